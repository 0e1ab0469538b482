/**
 * What the matching and moderation routes run on inside the API process: one model session pool,
 * the clean-bot (micro-batched), the match embedder and the vector store. Queries and moderation
 * are synchronous here; only writes to the profile index go through workflows.
 */
import type { Config } from '../../config';
import { matchEmbedderFromConfig, type MatchEmbedder } from '../../matching/match-embedder';
import { vectorStoreFromConfig } from '../../matching/store-from-config';
import type { VectorStore } from '../../matching/vector-store';
import { createModelRuntime, SEQUENTIAL_SESSIONS } from '../../models';
import { resolveModelId } from '../../models/registry';
import { ThreadedTextClassifier } from '../../models/text/classifier-thread';
import { ChatModerator, type ModeratorOptions } from '../../moderation/chat-moderator';
import { modelRolesFor } from '../../models/roles';

export interface TextServices {
  moderator: ChatModerator;
  embedder: MatchEmbedder;
  vectors: VectorStore;
  close(): Promise<void>;
}

/** `moderator`: tests and benches try other batching here; the API runs MODERATOR_OPTIONS. */
export function createTextServices(config: Config, opts: { moderator?: Partial<ModeratorOptions> } = {}): TextServices {
  const roles = modelRolesFor(config.models);
  const { sessions } = createModelRuntime(config.models);
  const vectors = vectorStoreFromConfig(config.matching);
  // The classifier runs in its own thread so ORT runs never stall the HTTP server (see classifier-thread.ts).
  const classifier = new ThreadedTextClassifier({
    modelsDir: config.models.dir,
    modelId: resolveModelId(roles.toxicity, config.moderation.useTestModels),
    session: {
      ...(config.models.intraOpThreads !== undefined ? { intraOpThreads: config.models.intraOpThreads } : {}),
      interOpThreads: SEQUENTIAL_SESSIONS.interOpThreads,
    },
  });
  return {
    moderator: new ChatModerator(classifier, opts.moderator),
    embedder: matchEmbedderFromConfig(sessions, config.matching, roles.sentence),
    vectors,
    async close() {
      await classifier.close();
      await vectors.close();
      await sessions.close();
    },
  };
}
