import request from 'supertest';
import type { TestApp } from './test-app';

/** Where the knowledge endpoints live. */
export const KNOWLEDGE = '/api/v1/knowledge';

/** A small corpus whose documents share few words, so the expected winner of a query is clear. */
export const CORPUS = {
  refunds: {
    title: 'Refund policy',
    content:
      'Customers can request a refund within 30 days of delivery. Refunds are paid to the ' +
      'original payment method once the returned item has been inspected by our team.',
  },
  photosynthesis: {
    title: 'Photosynthesis',
    content:
      'Photosynthesis is the process by which green plants use sunlight, water and carbon ' +
      'dioxide to make glucose and oxygen. Chlorophyll in the chloroplasts absorbs the light.',
  },
  shipping: {
    title: 'Shipping times',
    content:
      'Orders ship from our warehouse within two business days. Standard delivery takes three ' +
      'to five days; express shipping arrives the next day.',
  },
  passwords: {
    title: 'Password reset',
    content:
      'To reset your password, open the sign-in page and choose Forgot password. We email a ' +
      'reset link that expires after one hour.',
  },
} as const;

/** The name of a corpus document. */
export type CorpusKey = keyof typeof CORPUS;

/** Uploads a document as `auth`; returns the raw answer. */
export function uploadDocument(t: TestApp, auth: string, body: unknown) {
  return request(t.server)
    .post(`${KNOWLEDGE}/documents`)
    .set('Authorization', auth)
    .send(body as object);
}

/** Uploads every corpus document; returns their ids by key. */
export async function uploadCorpus(
  t: TestApp,
  adminAuth: string,
): Promise<Record<CorpusKey, string>> {
  const ids = {} as Record<CorpusKey, string>;
  for (const key of Object.keys(CORPUS) as CorpusKey[]) {
    const res = await uploadDocument(t, adminAuth, CORPUS[key]).expect(201);
    ids[key] = res.body.id as string;
  }
  return ids;
}

/** `GET /knowledge/search` with the query string as given. */
export function searchKnowledge(t: TestApp, auth: string, query: Record<string, string | number>) {
  return request(t.server).get(`${KNOWLEDGE}/search`).query(query).set('Authorization', auth);
}
