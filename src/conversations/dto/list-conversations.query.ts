import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';

/** Longest search query: a sentence, not a document (every word is a lookup in the index). */
export const MAX_SEARCH_CHARS = 200;

/** `?q=&limit=&cursor=` of `GET /conversations`. */
export class ListConversationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: MAX_SEARCH_CHARS,
    description:
      'Full-text search over titles and message contents (web search syntax: "a phrase", `or`, ' +
      '`-word`); hits come best first, each with a highlighted `snippet`. Blank: the plain list.',
    example: 'lisbon hotel',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SEARCH_CHARS)
  q?: string;
}
