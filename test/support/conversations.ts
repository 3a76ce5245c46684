import type { Server } from 'node:http';
import request from 'supertest';

/** Creates an empty conversation of the token's user; its id. */
export async function createConversation(server: Server, bearer: string): Promise<string> {
  const res = await request(server)
    .post('/api/v1/conversations')
    .set('Authorization', `Bearer ${bearer}`)
    .send({})
    .expect(201);
  return res.body.id as string;
}
