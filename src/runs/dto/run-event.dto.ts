import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import type {
  ApprovalRequiredRunEvent,
  CompleteStateRunEvent,
  ErrorRunEvent,
  MessageChunkRunEvent,
  ResyncReason,
  ResyncRequiredRunEvent,
  RunFinishReason,
  TitleRunEvent,
  ToolCallRunEvent,
  ToolResultRunEvent,
} from '../run-event.types';

// The OpenAPI description of the events of a run (see the contract, "The stream"). Each class
// implements the type the server sends, so the two cannot drift apart.

/** Fields every event of a run carries. */
abstract class RunEventFields {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({
    minimum: 1,
    description: '1, 2, 3… within the run; the SSE id is `<run_id>:<seq>`.',
  })
  seq!: number;
}

/** A piece of the assistant's text. */
export class MessageChunkEvent extends RunEventFields implements MessageChunkRunEvent {
  @ApiProperty({ enum: ['message_chunk'] }) type!: 'message_chunk';
  @ApiProperty() content!: string;
  @ApiProperty() tokens!: number;
}

/** The agent called a tool. */
export class ToolCallEvent extends RunEventFields implements ToolCallRunEvent {
  @ApiProperty({ enum: ['tool_call'] }) type!: 'tool_call';
  @ApiProperty() tool_name!: string;
  @ApiProperty() tool_call_id!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) args!: Record<string, unknown>;
}

/** A tool answered, or failed (`is_error`). */
export class ToolResultEvent extends RunEventFields implements ToolResultRunEvent {
  @ApiProperty({ enum: ['tool_result'] }) type!: 'tool_result';
  @ApiProperty() tool_name!: string;
  @ApiProperty() tool_call_id!: string;
  @ApiProperty() result!: string;
  @ApiProperty() is_error!: boolean;
}

/**
 * The run paused before this tool call: it waits for a decision (`POST .../runs/{run_id}/approvals`);
 * the stream ends after the run's `approval_required` events.
 */
export class ApprovalRequiredEvent extends RunEventFields implements ApprovalRequiredRunEvent {
  @ApiProperty({ enum: ['approval_required'] }) type!: 'approval_required';
  @ApiProperty() tool_name!: string;
  @ApiProperty() tool_call_id!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) args!: Record<string, unknown>;
}

/** The conversation was named after its first answer; sent before `complete_state`. */
export class TitleEvent extends RunEventFields implements TitleRunEvent {
  @ApiProperty({ enum: ['title'] }) type!: 'title';
  @ApiProperty({
    description: 'The title now stored on the conversation (`title_source: generated`).',
  })
  title!: string;
}

/** Token use of a run, as `complete_state` reports it. */
export class RunEventUsage {
  @ApiProperty() input_tokens!: number;
  @ApiProperty() output_tokens!: number;
  @ApiPropertyOptional({ description: 'True when counted with a tokenizer rather than reported.' })
  estimated?: boolean;
}

/** The run ended with an answer (whole, or partial when cancelled or timed out). */
export class CompleteStateEvent extends RunEventFields implements CompleteStateRunEvent {
  @ApiProperty({ enum: ['complete_state'] }) type!: 'complete_state';
  @ApiProperty({ description: 'The whole answer.' }) message!: string;
  @ApiProperty({ format: 'uuid' }) message_id!: string;
  @ApiProperty({ format: 'uuid' }) conversation_id!: string;
  @ApiProperty() total_tokens!: number;
  @ApiProperty({ type: RunEventUsage }) usage!: RunEventUsage;
  @ApiProperty({ enum: ['stop', 'cancelled', 'timeout', 'length'] })
  finish_reason!: RunFinishReason;
  @ApiProperty({ description: "Answered from the user's cached answer while the model is away." })
  degraded!: boolean;
  @ApiProperty() duration_ms!: number;
}

/** The run failed. */
export class RunErrorEvent extends RunEventFields implements ErrorRunEvent {
  @ApiProperty({ enum: ['error'] }) type!: 'error';
  @ApiProperty({
    description:
      '`llm_unavailable`, `llm_timeout`, `llm_error`, `server_shutdown`, `run_abandoned`, ' +
      '`storage_unavailable`, `approval_expired`, `internal_error`',
  })
  code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ description: 'Sending the message again may succeed.' }) retryable!: boolean;
  @ApiPropertyOptional({ description: '`llm_unavailable`: when the model may be back.' })
  retry_after_ms?: number;
}

/**
 * Sent instead of a replay when the events a client resumes from are gone (retention, or a run it
 * cannot see): reload the messages, then resume from `<run_id>:<seq>`. Not stored.
 */
export class ResyncRequiredEvent implements ResyncRequiredRunEvent {
  @ApiProperty({ enum: ['resync_required'] }) type!: 'resync_required';
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ minimum: 0, description: 'Where to resume from after reloading the messages.' })
  seq!: number;
  @ApiProperty({ enum: ['events_expired', 'run_unknown'] }) reason!: ResyncReason;
  @ApiProperty() message!: string;
}

/** NDJSON keep-alive line (SSE sends a comment instead); it has no `seq`. */
export class HeartbeatLine {
  @ApiProperty({ enum: ['heartbeat'] }) type!: 'heartbeat';
}

/** Every class above, for the document's components. */
export const RUN_EVENT_MODELS = [
  MessageChunkEvent,
  ToolCallEvent,
  ToolResultEvent,
  ApprovalRequiredEvent,
  TitleEvent,
  CompleteStateEvent,
  RunErrorEvent,
  ResyncRequiredEvent,
  RunEventUsage,
  HeartbeatLine,
];

const EVENT_TYPES = {
  message_chunk: MessageChunkEvent,
  tool_call: ToolCallEvent,
  tool_result: ToolResultEvent,
  approval_required: ApprovalRequiredEvent,
  title: TitleEvent,
  complete_state: CompleteStateEvent,
  error: RunErrorEvent,
  resync_required: ResyncRequiredEvent,
};

function union(
  classes: Record<string, abstract new () => unknown>,
  description: string,
): SchemaObject {
  const refs = Object.values(classes).map((model) => ({ $ref: getSchemaPath(model) }));
  const mapping = Object.fromEntries(
    Object.entries(classes).map(([type, model]) => [type, getSchemaPath(model)]),
  );
  return { description, oneOf: refs, discriminator: { propertyName: 'type', mapping } };
}

/** Named unions of events, discriminated by `type`: what streams and polling answer with. */
export const RUN_EVENT_UNIONS: Record<'RunEvent' | 'RunStreamLine', SchemaObject> = {
  RunEvent: union(
    EVENT_TYPES,
    'One event of a run. The last one of every run is a `complete_state` or an `error`; a run ' +
      'paused for approval has `approval_required` events last until a decision continues it.',
  ),
  RunStreamLine: union(
    { ...EVENT_TYPES, heartbeat: HeartbeatLine },
    'One NDJSON line: an event of the run, or a heartbeat.',
  ),
};
