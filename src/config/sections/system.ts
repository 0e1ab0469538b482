/** Variables the system sets, read only to find tools. */
import { z } from 'zod';

export const systemSection = z.object({
  PATH: z.string().default('').describe("Read only to find the temporal CLI on the user's PATH."),
});
