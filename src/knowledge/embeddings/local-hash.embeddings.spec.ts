import { LocalHashEmbeddings } from './local-hash.embeddings';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

describe('LocalHashEmbeddings', () => {
  const embeddings = new LocalHashEmbeddings();

  it('gives unit vectors of the configured length', async () => {
    const [vector] = await embeddings.embedDocuments(['Refunds are paid within 30 days.']);
    expect(vector).toHaveLength(384);
    expect(Math.sqrt(cosine(vector, vector))).toBeCloseTo(1, 10);
    expect(new LocalHashEmbeddings(64).embed('x y z')).toHaveLength(64);
  });

  it('is deterministic, and embeds a query like a document', async () => {
    const text = 'Orders ship within two business days.';
    expect(await embeddings.embedQuery(text)).toEqual(new LocalHashEmbeddings().embed(text));
    expect(await embeddings.embedDocuments([text])).toEqual([await embeddings.embedQuery(text)]);
  });

  it('puts texts sharing words or word forms closer than unrelated ones', () => {
    const refund = embeddings.embed('Customers can request a refund within 30 days of delivery.');
    const shipping = embeddings.embed('Orders ship from our warehouse within two business days.');
    const passwords = embeddings.embed('Reset your password with the link we email you.');
    const query = embeddings.embed('refunding my purchase');
    expect(cosine(query, refund)).toBeGreaterThan(cosine(query, shipping) + 0.1);
    expect(cosine(query, refund)).toBeGreaterThan(cosine(query, passwords) + 0.1);
    // Same words, other forms: stems and character trigrams still meet.
    expect(cosine(embeddings.embed('shipped orders'), shipping)).toBeGreaterThan(
      cosine(embeddings.embed('shipped orders'), refund),
    );
  });

  it('ignores case, accents and stopwords', () => {
    expect(embeddings.embed('The Café')).toEqual(embeddings.embed('cafe'));
  });

  it('never returns an all-zero vector, even for text without words', () => {
    for (const text of ['', '!!!', 'the of and']) {
      const vector = embeddings.embed(text);
      expect(Math.sqrt(cosine(vector, vector))).toBeCloseTo(1, 10);
    }
  });

  it('lets other work run while it embeds a long document', async () => {
    const embeddings = new LocalHashEmbeddings();
    const chunks = Array.from(
      { length: 3000 },
      (_, i) => `chunk ${i} ${'words of a passage '.repeat(50)}`,
    );
    let turns = 0;
    const other = setInterval(() => (turns += 1), 1);
    try {
      const vectors = await embeddings.embedDocuments(chunks);
      expect(vectors).toHaveLength(3000);
    } finally {
      clearInterval(other);
    }
    // Hundreds of milliseconds of work, in slices of about 10 ms.
    expect(turns).toBeGreaterThan(2);
  });

  it('refuses fewer than 8 dimensions', () => {
    expect(() => new LocalHashEmbeddings(4)).toThrow(/at least 8/);
    expect(() => new LocalHashEmbeddings(10.5)).toThrow(/at least 8/);
  });
});
