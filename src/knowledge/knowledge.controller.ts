import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { AdminOnly, CurrentUser } from '../auth/auth.decorators';
import { CREATED_LOCATION_HEADER, CreatedLocation } from '../common/http/created-location';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { CreateDocumentDto } from './dto/create-document.dto';
import { DocumentCreatedResponse, SearchResponse } from './dto/knowledge.responses';
import { SearchQueryDto } from './dto/search-query.dto';
import { KnowledgeDocumentsService } from './knowledge-documents.service';
import { KnowledgeSearchService } from './search/knowledge-search.service';

/** The knowledge base: admins upload and delete documents; every user may search them. */
@ApiTags('knowledge')
@ApiBearerAuth()
@Controller('knowledge')
export class KnowledgeController {
  constructor(
    private readonly documents: KnowledgeDocumentsService,
    private readonly searches: KnowledgeSearchService,
  ) {}

  /** Stores a document, split into chunks with their embeddings, all or nothing. */
  @Post('documents')
  @AdminOnly()
  @ApiOperation({ summary: 'Upload a document to the knowledge base (admin)' })
  @ApiCreatedResponse({ type: DocumentCreatedResponse, headers: CREATED_LOCATION_HEADER })
  @CreatedLocation((created: DocumentCreatedResponse, path) => `${path}/${created.id}`)
  @ApiPayloadTooLargeResponse({
    description: 'Content over MAX_DOCUMENT_BYTES, or body over MAX_BODY_BYTES.',
  })
  @ApiServiceUnavailableResponse({ description: 'The embedding provider failed; nothing stored.' })
  create(@CurrentUser() user: AuthUser, @Body() body: CreateDocumentDto) {
    return this.documents.ingest(user.id, body);
  }

  /** Deletes a document with its chunks. */
  @Delete('documents/:id')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a document (admin)' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The document.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ description: 'No such document.' })
  async remove(@Param('id', uuidParam()) id: string) {
    await this.documents.remove(id);
  }

  /** The `k` passages most relevant to `q`: vector search, or keyword search when it fails. */
  @Get('search')
  @ApiOperation({ summary: 'Search the knowledge base' })
  @ApiOkResponse({ type: SearchResponse })
  search(@Query() query: SearchQueryDto) {
    return this.searches.find(query.q, query.k);
  }
}
