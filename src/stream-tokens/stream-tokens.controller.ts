import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { CREATED_LOCATION_HEADER, CreatedLocation } from '../common/http/created-location';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { ApiConversationId } from '../conversations/conversations.api';
import { StreamTokenResponse } from './stream-token.response';
import { StreamTokensService } from './stream-tokens.service';

/** Stream tokens: how a browser's EventSource, which cannot send headers, opens a stream. */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('conversations/:id/stream-tokens')
export class StreamTokensController {
  constructor(private readonly tokens: StreamTokensService) {}

  /** A short-lived token for `?access_token=` on this conversation's stream routes only. */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Get a token for EventSource',
    description:
      "Valid for AUTH_STREAM_TOKEN_TTL_S (60 s) as `?access_token=` on GET and POST of this conversation's `/stream`, and nowhere else.",
  })
  @ApiConversationId()
  @ApiCreatedResponse({ type: StreamTokenResponse, headers: CREATED_LOCATION_HEADER })
  // A token has no address of its own: Location is the stream it opens.
  @CreatedLocation((_: StreamTokenResponse, path) => path.replace(/-tokens$/, ''))
  issue(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
  ): Promise<StreamTokenResponse> {
    return this.tokens.issue(user.id, id);
  }
}
