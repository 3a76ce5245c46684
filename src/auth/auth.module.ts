import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { StreamTokenSigner } from './stream-token.signer';
import { TokenVerifier } from './token-verifier.service';

/** Bearer-JWT authentication and the admin role check, applied to every route by default. */
@Module({
  providers: [TokenVerifier, StreamTokenSigner, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenVerifier, StreamTokenSigner],
})
export class AuthModule {}
