import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { CREATED_LOCATION_HEADER } from '../common/http/created-location';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ConversationSearchService } from './conversation-search.service';
import { ListConversationsQueryDto } from './dto/list-conversations.query';
import { ApiConversationId } from './conversations.api';
import { ConversationsService } from './conversations.service';
import {
  ActiveBranchResponse,
  ConversationPage,
  ConversationResponse,
  MessagePage,
} from './dto/conversation.response';
import { SwitchBranchDto } from './dto/switch-branch.dto';
import { CreateConversationDto } from './dto/create-conversation.dto';
import { UpdateConversationDto } from './dto/update-conversation.dto';
import { MessagesService } from './messages.service';
import { DatabaseCalls } from '../database/database-calls';

/**
 * CRUD of the caller's conversations and the read side of their messages. Every handler runs under
 * the `database` breaker: when the database fails, callers get 503 with Retry-After at once.
 */
@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly search: ConversationSearchService,
    private readonly messages: MessagesService,
    private readonly database: DatabaseCalls,
  ) {}

  /** Creates a conversation. */
  @Post()
  @ApiOperation({ summary: 'Create a conversation' })
  @ApiCreatedResponse({ type: ConversationResponse, headers: CREATED_LOCATION_HEADER })
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateConversationDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ConversationResponse> {
    const created = await this.database.run(() => this.conversations.create(user.id, body));
    // Set here rather than by @CreatedLocation's interceptor: this is the hottest REST route, and
    // an interceptor puts each of its requests through RxJS (~7% of its CPU in the bench profile).
    response.location(`${request.path}/${created.id}`);
    return created;
  }

  /** Lists the caller's conversations, newest first; with `q`, those that match, best first. */
  @Get()
  @ApiOperation({
    summary: 'List conversations, newest first, or search them',
    description:
      "With `q`: full-text search over titles and message contents of the caller's " +
      'conversations, best first, each with `rank` and a highlighted `snippet`.',
  })
  @ApiOkResponse({ type: ConversationPage })
  list(@CurrentUser() user: AuthUser, @Query() query: ListConversationsQueryDto) {
    const q = query.q?.trim();
    return this.database.run(() =>
      q ? this.search.search(user.id, q, query) : this.conversations.list(user.id, query),
    );
  }

  /** Reads one conversation. */
  @Get(':id')
  @ApiOperation({ summary: 'Get a conversation' })
  @ApiConversationId()
  @ApiOkResponse({ type: ConversationResponse })
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam()) id: string) {
    return this.database.run(() => this.conversations.get(user.id, id));
  }

  /** Changes the title or metadata. */
  @Patch(':id')
  @ApiOperation({ summary: 'Change the title or metadata of a conversation' })
  @ApiConversationId()
  @ApiOkResponse({ type: ConversationResponse })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: UpdateConversationDto,
  ) {
    return this.database.run(() => this.conversations.update(user.id, id, body));
  }

  /** Deletes the conversation with its messages and run events. */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a conversation with its messages and runs' })
  @ApiConversationId()
  @ApiNoContentResponse({ description: 'Deleted.' })
  async remove(@CurrentUser() user: AuthUser, @Param('id', uuidParam()) id: string) {
    await this.database.run(() => this.conversations.remove(user.id, id));
  }

  /** Lists the messages of the branch the conversation shows, oldest first. */
  @Get(':id/messages')
  @ApiOperation({
    summary: 'List the messages of the active branch, oldest first',
    description:
      'The branch from the first message to the active leaf; each message says how many ' +
      'versions of it there are (edits, regenerated answers) and which one it is.',
  })
  @ApiConversationId()
  @ApiOkResponse({ type: MessagePage })
  listMessages(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Query() query: PageQueryDto,
  ) {
    return this.database.run(() => this.messages.list(user.id, id, query));
  }

  /** Shows the branch through a message (down to its newest descendant). */
  @Put(':id/active-branch')
  @ApiOperation({
    summary: 'Switch the branch the conversation shows',
    description:
      'Shows the branch through `message_id`: the active leaf becomes its newest descendant ' +
      '(the newest child, again and again). Later messages and runs follow that branch.',
  })
  @ApiConversationId()
  @ApiOkResponse({ type: ActiveBranchResponse })
  switchBranch(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam()) id: string,
    @Body() body: SwitchBranchDto,
  ) {
    return this.database.run(() => this.messages.switchBranch(user.id, id, body.message_id));
  }
}
