// The demo chat page (served at /demo when DEMO_PAGE_ENABLED is set), built on the client package.
// A run in progress survives a reload: its conversation, content, Idempotency-Key, last event id
// and the events shown so far are kept in sessionStorage, and the same send continues after that
// event (POST .../stream with the same key and Last-Event-ID), so the answer finishes exactly once.
// It also shows what the client offers beyond sending: tool approval, regenerate, edit and the
// versions of a message (branches), and search.
import {
  AgentApiError,
  AgentClient,
  newIdempotencyKey,
  type ApprovalDecision,
  type ConversationSearchHit,
  type Message,
  type RunEvent,
  type RunStream,
} from '../../client/src/index.js';

/** A run being shown, as kept across a reload. */
interface ActiveRun {
  /** What started it (absent in runs kept by an earlier version of the page: a send). */
  kind?: 'send' | 'edit' | 'regenerate' | 'approve';
  conversationId: string;
  /** The question: sent, or the edited text; for a regenerate, the question answered again. */
  content: string;
  idempotencyKey: string;
  /** The message edited or answered again. */
  messageId?: string;
  /** The paused run an approval continues, and the decisions sent. */
  runId?: string;
  decisions?: ApprovalDecision[];
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
  search: element<HTMLFormElement>('search'),
  query: element<HTMLInputElement>('query'),
  hits: element<HTMLUListElement>('hits'),
};

const client = new AgentClient({
  baseUrl: location.origin,
  token: () => sessionStorage.getItem(KEYS.token) ?? undefined,
});

let currentId: string | undefined;
let running: ActiveRun | undefined;
/** The messages shown (the active branch), for the edit and regenerate buttons. */
let shown: Message[] = [];

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

function userBubble(content: string): HTMLDivElement {
  const bubble = line('message user', content);
  ui.transcript.append(bubble);
  return bubble;
}

function button(className: string, text: string, onClick: () => Promise<void>): HTMLButtonElement {
  const made = document.createElement('button');
  made.type = 'button';
  made.className = className;
  made.textContent = text;
  made.addEventListener('click', () => void guarded(onClick));
  return made;
}

/**
 * The row under a message: its versions (‹ 2/3 ›, when it was edited or answered again) and the
 * action that makes a new one. Beside the bubble rather than in it, so the bubble holds only text.
 */
function controlsFor(bubble: HTMLElement, message: Message, action: HTMLButtonElement): void {
  const row = document.createElement('div');
  row.className = `controls ${message.role === 'user' ? 'user' : 'assistant'}`;
  row.dataset.messageId = message.id;
  const ids = message.sibling_ids ?? [message.id];
  const index = message.sibling_index ?? 0;
  if (ids.length > 1) {
    const to = (other: string) => async () => {
      if (running) throw new Error('Stop the answer first.');
      await client.switchBranch(currentId!, other);
      await selectConversation(currentId!);
    };
    const previous = button('previous-version', '‹', to(ids[index - 1]));
    previous.disabled = index === 0;
    const next = button('next-version', '›', to(ids[index + 1]));
    next.disabled = index === ids.length - 1;
    const position = line('version', `${index + 1}/${ids.length}`);
    row.append(previous, position, next);
  }
  row.append(action);
  bubble.after(row);
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
      askApproval(bubble, event.run_id, event.tool_call_id, event.tool_name, event.args);
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

/**
 * Asks whether a paused run may call a tool: Approve or Reject. Once every call the bubble's run
 * waits for has a decision, the decisions are sent and the rest of the run streams into the bubble.
 */
function askApproval(
  bubble: HTMLElement,
  runId: string,
  toolCallId: string,
  toolName: string,
  args: unknown,
): void {
  const box = document.createElement('div');
  box.className = 'approval';
  box.dataset.toolCallId = toolCallId;
  const decide = (decision: ApprovalDecision) => async () => {
    box.dataset.decision = decision.decision;
    for (const choice of box.querySelectorAll('button')) choice.disabled = true;
    const boxes = [...bubble.querySelectorAll<HTMLElement>('.approval')];
    const decided = boxes.filter((each) => each.dataset.decision);
    pending.set(toolCallId, decision);
    if (decided.length < boxes.length) return;
    const decisions = boxes.map((each) => pending.get(each.dataset.toolCallId!)!);
    for (const each of boxes) pending.delete(each.dataset.toolCallId!);
    const run: ActiveRun = {
      kind: 'approve',
      conversationId: currentId!,
      content: '',
      idempotencyKey: newIdempotencyKey(),
      runId,
      decisions,
      events: [],
    };
    sessionStorage.setItem(KEYS.active, JSON.stringify(run));
    await follow(run, bubble);
  };
  box.append(
    line('notice', `⏸ ${toolName}(${JSON.stringify(args)}) waits for your approval`),
    button('approve', 'Approve', decide({ tool_call_id: toolCallId, decision: 'approve' })),
    button(
      'reject',
      'Reject',
      decide({ tool_call_id: toolCallId, decision: 'reject', message: 'The user said no.' }),
    ),
  );
  part(bubble, '.tools').append(box);
}

/** Decisions taken on calls whose siblings still wait for one. */
const pending = new Map<string, ApprovalDecision>();

function renderHistory(messages: Message[]): void {
  ui.transcript.replaceChildren();
  shown = messages;
  let answer: HTMLDivElement | undefined;
  let question: Message | undefined;
  for (const message of messages) {
    if (message.role === 'user') {
      const bubble = userBubble(message.content);
      controlsFor(
        bubble,
        message,
        button('edit', 'Edit', () => editQuestion(message)),
      );
      question = message;
      answer = undefined;
      continue;
    }
    if (!answer) {
      answer = assistantBubble(message.status === 'complete' ? 'complete' : message.status);
      // The versions of an answer are those of its first message (the question's child).
      const asked = question;
      if (asked) {
        controlsFor(
          answer,
          message,
          button('regenerate', 'Regenerate', () => regenerate(asked)),
        );
      }
    }
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
  if (resuming) messages = before(messages, resuming);
  renderHistory(messages);
}

/**
 * The messages shown before a run's own bubbles: up to its question (a send or an edit shows the
 * question again), up to and with it (a regenerate), or up to the paused answer an approval goes on.
 */
function before(messages: Message[], run: ActiveRun): Message[] {
  if (run.kind === 'regenerate') {
    const at = messages.findIndex((m) => m.id === run.messageId);
    return at >= 0 ? messages.slice(0, at + 1) : messages;
  }
  if (run.kind === 'approve') {
    const own = messages.map((m) => m.role === 'user');
    const at = own.lastIndexOf(true);
    return at >= 0 ? messages.slice(0, at + 1) : messages;
  }
  // What follows the run's own message is its answer so far: the stream shows it again.
  const own = messages.map((m) => m.role === 'user' && m.content === run.content);
  const at = own.lastIndexOf(true);
  return at >= 0 ? messages.slice(0, at) : messages;
}

/** The stream a run is read from: its first request, or (a reload) the same one resumed. */
function openStream(run: ActiveRun): RunStream {
  const options = { idempotencyKey: run.idempotencyKey, lastEventId: run.lastEventId };
  switch (run.kind) {
    case 'edit':
      return client.edit(run.conversationId, run.messageId!, run.content, options);
    case 'regenerate':
      return client.regenerate(run.conversationId, run.messageId!, options);
    case 'approve':
      // Decisions are sent once: after a reload, the run is followed.
      return run.lastEventId
        ? client.resume(run.conversationId, { lastEventId: run.lastEventId })
        : client.approve(run.conversationId, run.runId!, run.decisions!);
    case 'send':
    case undefined:
      return client.stream(run.conversationId, run.content, options);
  }
}

/** Edit: the new text becomes a version of the question, answered on its own branch. */
async function editQuestion(question: Message): Promise<void> {
  if (running) throw new Error('Stop the answer first.');
  const content = prompt('Edit your message', question.content)?.trim();
  if (!content || content === question.content) return;
  const at = shown.findIndex((m) => m.id === question.id);
  renderHistory(shown.slice(0, at));
  await follow({
    kind: 'edit',
    conversationId: currentId!,
    content,
    messageId: question.id,
    idempotencyKey: newIdempotencyKey(),
    events: [],
  });
}

/** Regenerate: a new answer to the question, beside the one shown. */
async function regenerate(question: Message): Promise<void> {
  if (running) throw new Error('Stop the answer first.');
  const at = shown.findIndex((m) => m.id === question.id);
  renderHistory(shown.slice(0, at + 1));
  await follow({
    kind: 'regenerate',
    conversationId: currentId!,
    content: question.content,
    messageId: question.id,
    idempotencyKey: newIdempotencyKey(),
    events: [],
  });
}

/**
 * Streams a run into a new bubble (or, for an approval, the paused one), keeping what a reload
 * needs to continue it. Once the run is over, the conversation is shown again from the server, with
 * the versions of its messages.
 */
async function follow(run: ActiveRun, into?: HTMLElement): Promise<void> {
  running = run;
  ui.send.disabled = true;
  ui.stop.disabled = false;
  if (run.kind !== 'regenerate' && run.kind !== 'approve') userBubble(run.content);
  const bubble = into ?? assistantBubble('streaming');
  bubble.dataset.state = 'streaming';
  for (const event of run.events) applyEvent(bubble, event);
  const stream = openStream(run);
  let paused = false;
  try {
    for await (const event of stream) {
      applyEvent(bubble, event);
      paused ||= event.type === 'approval_required';
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
  // A paused run keeps its bubble and its Approve and Reject buttons.
  if (!paused && bubble.dataset.state !== 'error' && currentId === run.conversationId) {
    await selectConversation(run.conversationId);
    // The stored answer does not say how it ended (stopped, timed out): the live bubble did.
    const terminal = run.events.at(-1);
    const answers = ui.transcript.querySelectorAll<HTMLElement>('.message.assistant');
    const answer = answers[answers.length - 1];
    if (answer && terminal?.type === 'complete_state' && terminal.finish_reason !== 'stop') {
      applyEvent(answer, terminal);
    }
  }
}

async function send(content: string): Promise<void> {
  if (!currentId) {
    const created = await client.createConversation({ title: content.slice(0, 40) });
    currentId = created.id;
    await refreshConversations();
    await selectConversation(created.id);
  }
  const run: ActiveRun = {
    kind: 'send',
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
ui.search.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const q = ui.query.value.trim();
  void guarded(async () => {
    const hits = q ? (await client.searchConversations(q, { limit: 20 })).items : [];
    ui.hits.replaceChildren(...hits.map(searchHit));
  });
});
ui.useToken.addEventListener('click', () => {
  sessionStorage.setItem(KEYS.token, ui.token.value.trim());
  void guarded(refreshConversations);
});

/** A search hit: the conversation's title and where the words were found. */
function searchHit(hit: ConversationSearchHit): HTMLLIElement {
  const item = document.createElement('li');
  const open = button('hit', hit.title ?? 'Untitled', () => selectConversation(hit.id));
  open.dataset.id = hit.id;
  const snippet = document.createElement('div');
  snippet.className = 'snippet';
  // The server escapes the text and adds only <mark> (docs/API.md, "Search").
  snippet.innerHTML = hit.snippet ?? '';
  item.append(open, snippet);
  return item;
}

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
