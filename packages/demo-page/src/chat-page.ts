// The demo chat page (served at /demo when DEMO_PAGE_ENABLED is set), built on the client package.
// A run in progress survives a reload: its conversation, content, Idempotency-Key, last event id
// and the events shown so far are kept in sessionStorage, and the same send continues after that
// event (POST .../stream with the same key and Last-Event-ID), so the answer finishes exactly once.
import {
  AgentApiError,
  AgentClient,
  newIdempotencyKey,
  type Message,
  type RunEvent,
  type RunStream,
} from '../../client/src/index.js';

/** A run being shown, as kept across a reload. */
interface ActiveRun {
  conversationId: string;
  content: string;
  idempotencyKey: string;
  lastEventId?: string;
  events: RunEvent[];
}

const KEYS = {
  token: 'agent-demo.token',
  conversation: 'agent-demo.conversation',
  active: 'agent-demo.active',
} as const;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

const ui = {
  token: element<HTMLInputElement>('token'),
  useToken: element<HTMLButtonElement>('use-token'),
  error: element<HTMLDivElement>('error'),
  newConversation: element<HTMLButtonElement>('new-conversation'),
  conversations: element<HTMLUListElement>('conversations'),
  transcript: element<HTMLDivElement>('transcript'),
  composer: element<HTMLFormElement>('composer'),
  input: element<HTMLTextAreaElement>('input'),
  send: element<HTMLButtonElement>('send'),
  stop: element<HTMLButtonElement>('stop'),
};

const client = new AgentClient({
  baseUrl: location.origin,
  token: () => sessionStorage.getItem(KEYS.token) ?? undefined,
});

let currentId: string | undefined;
let running: ActiveRun | undefined;

function showError(error: unknown): void {
  ui.error.hidden = false;
  ui.error.textContent =
    error instanceof AgentApiError
      ? `${error.status} ${error.code ?? ''}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

function line(className: string, text: string): HTMLDivElement {
  const div = document.createElement('div');
  div.className = className;
  div.textContent = text;
  return div;
}

function userBubble(content: string): void {
  ui.transcript.append(line('message user', content));
}

/** An assistant answer: tool calls and results, then the text. */
function assistantBubble(state: string): HTMLDivElement {
  const bubble = document.createElement('div');
  bubble.className = 'message assistant';
  bubble.dataset.state = state;
  const tools = document.createElement('div');
  tools.className = 'tools';
  const text = document.createElement('span');
  text.className = 'text';
  bubble.append(tools, text);
  ui.transcript.append(bubble);
  return bubble;
}

function part<T extends HTMLElement>(bubble: HTMLElement, selector: string): T {
  return bubble.querySelector(selector) as T;
}

function showToolCall(bubble: HTMLElement, name: string, args: unknown, id: string): void {
  const call = line('tool-call', `🔧 ${name}(${JSON.stringify(args)})`);
  call.dataset.toolCallId = id;
  part(bubble, '.tools').append(call);
}

function showToolResult(bubble: HTMLElement, result: string, failed: boolean, id: string): void {
  const shown = line(`tool-result${failed ? ' failed' : ''}`, `→ ${result}`);
  shown.dataset.toolCallId = id;
  part(bubble, '.tools').append(shown);
}

/** Shows one event of a run in its bubble. */
function applyEvent(bubble: HTMLElement, event: RunEvent): void {
  const text = part<HTMLSpanElement>(bubble, '.text');
  switch (event.type) {
    case 'message_chunk':
      text.textContent += event.content;
      break;
    case 'tool_call':
      showToolCall(bubble, event.tool_name, event.args, event.tool_call_id);
      break;
    case 'tool_result':
      showToolResult(bubble, event.result, event.is_error, event.tool_call_id);
      break;
    case 'approval_required':
      bubble.dataset.state = 'awaiting_approval';
      bubble.append(
        line('notice', `⏸ ${event.tool_name} waits for approval (not handled by this demo)`),
      );
      break;
    case 'complete_state':
      bubble.dataset.state = event.finish_reason === 'cancelled' ? 'cancelled' : 'complete';
      bubble.dataset.messageId = event.message_id;
      if (!text.textContent) text.textContent = event.message;
      if (event.finish_reason !== 'stop') {
        bubble.append(
          line(
            'notice',
            event.finish_reason === 'cancelled' ? '(stopped)' : `(${event.finish_reason})`,
          ),
        );
      }
      break;
    case 'title':
      document.title = `${event.title} · Agent server demo`;
      break;
    case 'resync_required':
      bubble.dataset.state = 'error';
      bubble.append(line('notice', `↻ ${event.message} Reload the page to see the messages.`));
      break;
    case 'error':
      bubble.dataset.state = 'error';
      bubble.append(line('notice error', `⚠ ${event.code}: ${event.message}`));
      showError(`${event.code}: ${event.message}`);
      break;
  }
}

function renderHistory(messages: Message[]): void {
  ui.transcript.replaceChildren();
  let answer: HTMLDivElement | undefined;
  for (const message of messages) {
    if (message.role === 'user') {
      userBubble(message.content);
      answer = undefined;
      continue;
    }
    answer ??= assistantBubble(message.status === 'complete' ? 'complete' : message.status);
    if (message.role === 'tool') {
      showToolResult(answer, message.content, false, message.tool_call_id ?? '');
      continue;
    }
    for (const call of message.tool_calls ?? [])
      showToolCall(answer, call.name, call.args, call.id);
    if (message.content) {
      part(answer, '.text').textContent = message.content;
      answer.dataset.messageId = message.id;
      answer = undefined;
    }
  }
}

async function allMessages(id: string): Promise<Message[]> {
  const messages: Message[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listMessages(id, { limit: 100, cursor });
    messages.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return messages;
}

async function refreshConversations(): Promise<void> {
  const page = await client.listConversations({ limit: 50 });
  ui.conversations.replaceChildren(
    ...page.items.map((conversation) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.id = conversation.id;
      button.textContent = conversation.title ?? 'Untitled';
      button.setAttribute('aria-current', String(conversation.id === currentId));
      button.addEventListener(
        'click',
        () => void guarded(() => selectConversation(conversation.id)),
      );
      item.append(button);
      return item;
    }),
  );
}

async function selectConversation(id: string, resuming?: ActiveRun): Promise<void> {
  if (running && running.conversationId !== id) throw new Error('Stop the answer first.');
  currentId = id;
  sessionStorage.setItem(KEYS.conversation, id);
  for (const button of ui.conversations.querySelectorAll('button')) {
    button.setAttribute('aria-current', String(button.dataset.id === id));
  }
  let messages = await allMessages(id);
  if (resuming) {
    // What follows the run's own message is its answer so far: the stream shows it again.
    const own = messages.map((m) => m.role === 'user' && m.content === resuming.content);
    const at = own.lastIndexOf(true);
    if (at >= 0) messages = messages.slice(0, at);
  }
  renderHistory(messages);
}

/** Streams a run into a new bubble, keeping what a reload needs to continue it. */
async function follow(run: ActiveRun): Promise<void> {
  running = run;
  ui.send.disabled = true;
  ui.stop.disabled = false;
  userBubble(run.content);
  const bubble = assistantBubble('streaming');
  for (const event of run.events) applyEvent(bubble, event);
  const stream: RunStream = client.stream(run.conversationId, run.content, {
    idempotencyKey: run.idempotencyKey,
    lastEventId: run.lastEventId,
  });
  try {
    for await (const event of stream) {
      applyEvent(bubble, event);
      run.events.push(event);
      run.lastEventId = stream.lastEventId;
      sessionStorage.setItem(KEYS.active, JSON.stringify(run));
    }
  } catch (error) {
    bubble.dataset.state = 'error';
    showError(error);
  } finally {
    sessionStorage.removeItem(KEYS.active);
    running = undefined;
    ui.send.disabled = false;
    ui.stop.disabled = true;
  }
  await refreshConversations();
}

async function send(content: string): Promise<void> {
  if (!currentId) {
    const created = await client.createConversation({ title: content.slice(0, 40) });
    currentId = created.id;
    await refreshConversations();
    await selectConversation(created.id);
  }
  const run: ActiveRun = {
    conversationId: currentId,
    content,
    idempotencyKey: newIdempotencyKey(),
    events: [],
  };
  sessionStorage.setItem(KEYS.active, JSON.stringify(run));
  await follow(run);
}

/** Runs a handler, showing its failure instead of losing it. */
async function guarded(action: () => Promise<void>): Promise<void> {
  clearError();
  try {
    await action();
  } catch (error) {
    showError(error);
  }
}

ui.composer.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const content = ui.input.value.trim();
  if (!content || running) return;
  ui.input.value = '';
  void guarded(() => send(content));
});
ui.stop.addEventListener('click', () => {
  // The server stops the run; the stream then ends with its partial answer (`cancelled`).
  const run = running;
  if (run) void guarded(async () => void (await client.cancel(run.conversationId)));
});
ui.newConversation.addEventListener('click', () => {
  if (running) return;
  currentId = undefined;
  sessionStorage.removeItem(KEYS.conversation);
  ui.transcript.replaceChildren();
  void guarded(refreshConversations);
});
ui.useToken.addEventListener('click', () => {
  sessionStorage.setItem(KEYS.token, ui.token.value.trim());
  void guarded(refreshConversations);
});

async function start(): Promise<void> {
  ui.token.value = sessionStorage.getItem(KEYS.token) ?? '';
  try {
    await refreshConversations();
  } finally {
    document.body.dataset.ready = 'true';
  }
  const saved = sessionStorage.getItem(KEYS.active);
  if (saved) {
    const run = JSON.parse(saved) as ActiveRun;
    await selectConversation(run.conversationId, run);
    await follow(run);
    return;
  }
  const conversation = sessionStorage.getItem(KEYS.conversation);
  if (conversation) await selectConversation(conversation);
}

void guarded(start);
