import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Most passages one search returns. */
export const MAX_SEARCH_RESULTS = 20;
/** Passages returned when `k` is not given. */
export const DEFAULT_SEARCH_RESULTS = 5;
/** Longest query accepted, in characters. */
export const MAX_QUERY_CHARS = 1000;

/** `?q=&k=` of `GET /knowledge/search`. */
export class SearchQueryDto {
  @ApiProperty({ maxLength: MAX_QUERY_CHARS, example: 'how do refunds work' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Matches(/\S/, { message: 'q must not be empty' })
  @MaxLength(MAX_QUERY_CHARS)
  q!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SEARCH_RESULTS, default: DEFAULT_SEARCH_RESULTS })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_RESULTS)
  k: number = DEFAULT_SEARCH_RESULTS;
}
