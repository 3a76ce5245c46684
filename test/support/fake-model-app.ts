import { FakeOpenAIServer } from './fake-openai-server';
import { startTestApp, type TestApp } from './test-app';

/** An app whose model is a scripted OpenAI-compatible server (to make runs fail on purpose). */
export interface FakeModelApp {
  app: TestApp;
  model: FakeOpenAIServer;
  close(): Promise<void>;
}

/** Starts a {@link FakeOpenAIServer} and an app that uses it as its `openai` provider. */
export async function startFakeModelApp(): Promise<FakeModelApp> {
  const model = await FakeOpenAIServer.start();
  const app = await startTestApp({
    LLM_PROVIDER: 'openai',
    OPENAI_BASE_URL: model.baseUrl,
    OPENAI_API_KEY: 'sk-test',
    LLM_MODEL: 'gpt-test',
  });
  return {
    app,
    model,
    close: async () => {
      await app.close();
      await model.close();
    },
  };
}
