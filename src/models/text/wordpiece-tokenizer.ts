/**
 * BERT-family tokenisation (ko-sbert-nli, KcELECTRA) from the model's own tokenizer.json, run by
 * @huggingface/tokenizers: BertNormalizer, BertPreTokenizer and WordPiece all come from the file
 * through that library. This module only frames a batch the way the models were trained:
 * `[CLS] tokens [SEP]`, cut to the model's max length, padded to the batch's longest text (not to
 * the max: a batch of short chat lines then costs short sequences), one segment (type ids 0).
 */
import fs from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import type { WordPiecePreprocessing } from '../registry';

type Framing = Pick<WordPiecePreprocessing, 'maxLength' | 'clsToken' | 'sepToken' | 'padToken' | 'textPrefix'>;

export interface TokenizedBatch {
  rows: number;
  /** Padded length of every row: the longest text's token count, [CLS]/[SEP] included. */
  sequence: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** Per text: true when it had more tokens than fit and was cut at the max length. */
  truncated: boolean[];
}

export class WordPieceTokenizer {
  readonly maxLength: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  /** Prepended to every text (e5's `query: `); empty for the BERT models. */
  readonly textPrefix: string;
  private readonly tokenizer: Tokenizer;

  constructor(json: object, framing: Framing) {
    if (framing.maxLength < 3) throw new Error(`maxLength ${framing.maxLength} leaves no room between [CLS] and [SEP]`);
    this.maxLength = framing.maxLength;
    this.textPrefix = framing.textPrefix ?? '';
    this.tokenizer = new Tokenizer(json, {
      cls_token: framing.clsToken,
      sep_token: framing.sepToken,
      pad_token: framing.padToken,
      model_max_length: framing.maxLength,
    });
    const id = (token: string) => {
      const v = this.tokenizer.token_to_id(token);
      if (v === undefined) throw new Error(`tokenizer.json has no token ${token}`);
      return v;
    };
    this.clsId = id(framing.clsToken);
    this.sepId = id(framing.sepToken);
    this.padId = id(framing.padToken);
  }

  static async fromFile(file: string, framing: Framing): Promise<WordPieceTokenizer> {
    return new WordPieceTokenizer(JSON.parse(await fs.readFile(file, 'utf8')) as object, framing);
  }

  /** Token ids of the text (after the model's prefix), without [CLS]/[SEP]. */
  tokenize(text: string): number[] {
    return this.tokenizer.encode(this.textPrefix + text, { add_special_tokens: false }).ids;
  }

  /** Token strings (for tests and debugging). */
  tokens(text: string): string[] {
    return this.tokenize(text).map((i) => this.tokenizer.id_to_token(i) ?? '[?]');
  }

  encodeBatch(texts: readonly string[]): TokenizedBatch {
    if (texts.length === 0) throw new Error('encodeBatch needs at least one text');
    const room = this.maxLength - 2;
    const tokenized = texts.map((t) => this.tokenize(t));
    const framed = tokenized.map((ids) => [this.clsId, ...ids.slice(0, room), this.sepId]);
    const sequence = Math.max(...framed.map((r) => r.length));
    const n = texts.length * sequence;
    const inputIds = new BigInt64Array(n).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(n);
    framed.forEach((row, r) => {
      row.forEach((id, i) => {
        inputIds[r * sequence + i] = BigInt(id);
        attentionMask[r * sequence + i] = 1n;
      });
    });
    return {
      rows: texts.length,
      sequence,
      inputIds,
      attentionMask,
      tokenTypeIds: new BigInt64Array(n),
      truncated: tokenized.map((ids) => ids.length > room),
    };
  }
}
