import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_SCHEMAS } from './env.schema';

describe('.env.example', () => {
  const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');

  it('documents every variable the service reads', () => {
    const names = ENV_SCHEMAS.flatMap((schema) => Object.keys(schema.shape));
    // Breakers share one documented pattern (CB_<NAME>_*), shown for LLM.
    const expected = names.map((name) =>
      name.replace(/^CB_[A-Z_]+?_(FAILURE|RECOVERY|MAX|SUCCESS|CALL)/, 'CB_LLM_$1'),
    );
    const missing = [...new Set(expected)].filter(
      (name) => !new RegExp(`\\b${name}=`).test(example),
    );
    expect(missing).toEqual([]);
  });
});
