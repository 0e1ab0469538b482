/**
 * CLIP's tokenizer, read from a Hugging Face tokenizer.json (the file the CLIP exports ship) and
 * run by @huggingface/tokenizers: normalisation, pre-tokenisation and BPE all come from the file
 * through that library. This module only adds CLIP's fixed-length framing: <|startoftext|>,
 * the tokens (cut to fit), <|endoftext|>, then padding to the model's context length (77).
 *
 * The text encoder takes any `TextTokenizer`, so another tokenizer can be injected instead.
 */
import fs from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';

export interface EncodedText {
  /** Exactly maxLength ids: BOS, tokens, EOS, then padding. */
  ids: number[];
  /** 1 for BOS, tokens and EOS; 0 for padding. */
  attentionMask: number[];
  /** True when the text had more tokens than fit and was cut. */
  truncated: boolean;
}

export interface TextTokenizer {
  readonly maxLength: number;
  encode(text: string): EncodedText;
}

export interface ClipTokenizerOptions {
  maxLength?: number;
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
}

export class ClipTokenizer implements TextTokenizer {
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  private readonly tokenizer: Tokenizer;

  /** `json`: the parsed tokenizer.json. */
  constructor(json: object, options: ClipTokenizerOptions = {}) {
    const bosToken = options.bosToken ?? '<|startoftext|>';
    const eosToken = options.eosToken ?? '<|endoftext|>';
    const padToken = options.padToken ?? eosToken;
    this.maxLength = options.maxLength ?? 77;
    if (this.maxLength < 2) throw new Error(`maxLength ${this.maxLength} leaves no room for BOS and EOS`);
    // The second argument is what tokenizer_config.json would hold; CLIP's needs only its special tokens.
    this.tokenizer = new Tokenizer(json, {
      bos_token: bosToken,
      eos_token: eosToken,
      pad_token: padToken,
      model_max_length: this.maxLength,
    });
    const id = (token: string) => {
      const v = this.tokenizer.token_to_id(token);
      if (v === undefined) throw new Error(`tokenizer.json has no token ${token}`);
      return v;
    };
    this.bosId = id(bosToken);
    this.eosId = id(eosToken);
    this.padId = id(padToken);
  }

  static async fromFile(file: string, options: ClipTokenizerOptions = {}): Promise<ClipTokenizer> {
    return new ClipTokenizer(JSON.parse(await fs.readFile(file, 'utf8')) as object, options);
  }

  /** Token ids of the text, without BOS/EOS. */
  tokenize(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  encode(text: string): EncodedText {
    const tokens = this.tokenize(text);
    const room = this.maxLength - 2;
    const ids = [this.bosId, ...tokens.slice(0, room), this.eosId];
    const attentionMask = ids.map(() => 1);
    while (ids.length < this.maxLength) {
      ids.push(this.padId);
      attentionMask.push(0);
    }
    return { ids, attentionMask, truncated: tokens.length > room };
  }
}
