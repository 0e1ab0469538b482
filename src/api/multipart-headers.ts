/**
 * Keeps one part's hostile header from failing a whole multipart request.
 *
 * busboy refuses a part header holding a control byte (NUL, BEL, ESC…) with "Malformed part
 * header" and drops the request, good files included. This stream sits in front of busboy and
 * rewrites each such byte inside part headers only (never in file bytes) to a private-use
 * character U+E000 + byte; `restoreControlChars` maps it back once busboy has parsed the name,
 * so the usual per-part check rejects that file alone with INVALID_FILENAME.
 */
import { Transform, type TransformCallback } from 'node:stream';

const CRLF2 = Buffer.from('\r\n\r\n');
const PUA_BASE = 0xe000;

/** Bytes busboy refuses in a header value; CR and LF are framing, TAB is allowed. */
function isRefusedControl(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f;
}

function escapeControls(bytes: Buffer): Buffer {
  if (!bytes.some(isRefusedControl)) return bytes;
  const out: number[] = [];
  for (const b of bytes) {
    if (!isRefusedControl(b)) out.push(b);
    else out.push(...Buffer.from(String.fromCharCode(PUA_BASE + b), 'utf8'));
  }
  return Buffer.from(out);
}

/** The inverse of the header escaping, for a value busboy decoded. */
export function restoreControlChars(value: string): string {
  return value.replace(/[\ue000-\ue01f\ue07f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - PUA_BASE));
}

/** The boundary a multipart Content-Type names, or undefined (busboy then reports the error). */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Escapes control bytes between each `--boundary` line and the blank line that ends its part
 * headers. Bodies pass through untouched; a split across chunks is carried over.
 */
export class PartHeaderEscaper extends Transform {
  /** undefined: no boundary we can read, so bytes pass untouched and busboy answers for them. */
  private readonly delimiter: Buffer | undefined;
  private carry: Buffer;
  private inHeaders = false;
  /** The virtual CRLF put in front of the body so the first delimiter looks like the others. */
  private skip = 2;

  constructor(boundary: string | undefined) {
    super();
    this.delimiter = boundary === undefined ? undefined : Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.carry = Buffer.from('\r\n');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.delimiter) return done(null, chunk);
    let buf = Buffer.concat([this.carry, chunk]);
    for (;;) {
      if (!this.inHeaders) {
        const delimiter = this.delimiter;
        const at = buf.indexOf(delimiter);
        if (at === -1) {
          const keep = Math.min(buf.length, delimiter.length - 1);
          this.out(buf.subarray(0, buf.length - keep));
          this.carry = buf.subarray(buf.length - keep);
          break;
        }
        const end = at + delimiter.length;
        this.out(buf.subarray(0, end));
        buf = buf.subarray(end);
        this.inHeaders = true;
      } else {
        const at = buf.indexOf(CRLF2);
        if (at === -1) {
          const keep = Math.min(buf.length, CRLF2.length - 1);
          this.out(escapeControls(buf.subarray(0, buf.length - keep)));
          this.carry = buf.subarray(buf.length - keep);
          break;
        }
        const end = at + CRLF2.length;
        this.out(escapeControls(buf.subarray(0, end)));
        buf = buf.subarray(end);
        this.inHeaders = false;
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.delimiter) return done();
    this.out(this.inHeaders ? escapeControls(this.carry) : this.carry);
    done();
  }

  private out(bytes: Buffer): void {
    if (this.skip > 0) {
      const drop = Math.min(this.skip, bytes.length);
      this.skip -= drop;
      bytes = bytes.subarray(drop);
    }
    if (bytes.length > 0) this.push(bytes);
  }
}
