import { ApiProperty } from '@nestjs/swagger';
import type { IssuedStreamToken } from '../auth/stream-token.signer';

/** Answer of `POST .../stream-tokens`. */
export class StreamTokenResponse implements IssuedStreamToken {
  @ApiProperty({
    description:
      "Opens this conversation's stream as `?access_token=` (GET or POST .../stream), until `expires_at`.",
  })
  token!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
}
