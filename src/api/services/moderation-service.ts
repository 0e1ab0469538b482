/** POST /v1/moderation/chat: input rules with their error codes, then the clean-bot. */
import type { ChatMessage, ChatModerator, ModerationResult } from '../../moderation/chat-moderator';
import { ApiError } from '../errors';

/** Longer than any profile or chat message the product takes; the sentence model reads 512 tokens of it at most. */
export const MAX_TEXT_CHARS = 2000;
/** A chat screen's backlog; a larger set belongs in several requests, so one caller cannot fill the batcher. */
export const MAX_MESSAGES_PER_REQUEST = 64;

export class ModerationService {
  constructor(private readonly moderator: ChatModerator) {}

  async moderateChat(messages: readonly ChatMessage[]): Promise<ModerationResult[]> {
    if (messages.length > MAX_MESSAGES_PER_REQUEST) {
      throw new ApiError('TOO_MANY_MESSAGES', `At most ${MAX_MESSAGES_PER_REQUEST} messages per request (got ${messages.length})`);
    }
    const seen = new Set<string>();
    for (const m of messages) {
      if (seen.has(m.id)) throw new ApiError('DUPLICATE_MESSAGE_ID', `Message id "${m.id}" appears twice`);
      seen.add(m.id);
      checkText(m.text, MAX_TEXT_CHARS, `message "${m.id}"`);
    }
    return this.moderator.moderate(messages);
  }
}

/** EMPTY_TEXT for blank text, TEXT_TOO_LONG over the limit (counted in characters, not bytes). */
export function checkText(text: string, maxChars: number, what: string): void {
  if (text.trim().length === 0) throw new ApiError('EMPTY_TEXT', `The text of ${what} is empty`);
  const chars = [...text].length;
  if (chars > maxChars) throw new ApiError('TEXT_TOO_LONG', `The text of ${what} has ${chars} characters; the limit is ${maxChars}`, { maxChars });
}
