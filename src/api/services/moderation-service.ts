/** POST /v1/moderation/chat: input rules with their error codes, then the clean-bot. */
import type { Config } from '../../config';
import type { ChatMessage, ChatModerator, ModerationResult } from '../../moderation/chat-moderator';
import { ApiError } from '../errors';

export class ModerationService {
  constructor(
    private readonly moderator: ChatModerator,
    private readonly limits: Pick<Config['moderation'], 'maxMessages' | 'maxTextChars'>,
  ) {}

  async moderateChat(messages: readonly ChatMessage[]): Promise<ModerationResult[]> {
    if (messages.length > this.limits.maxMessages) {
      throw new ApiError('TOO_MANY_MESSAGES', `At most ${this.limits.maxMessages} messages per request (got ${messages.length})`);
    }
    const seen = new Set<string>();
    for (const m of messages) {
      if (seen.has(m.id)) throw new ApiError('DUPLICATE_MESSAGE_ID', `Message id "${m.id}" appears twice`);
      seen.add(m.id);
      checkText(m.text, this.limits.maxTextChars, `message "${m.id}"`);
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
