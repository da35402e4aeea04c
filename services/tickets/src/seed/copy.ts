// Shared shape of the generators' output: COPY text in batches, so neither side holds millions of rows at once.

/** A batch of complete lines in PostgreSQL text COPY format and how many rows it holds. */
export interface CopyChunk {
  text: string
  rows: number
}

/**
 * Rows per chunk: big enough that per-chunk overhead (a COPY round trip on PGlite, a stream write on pg) vanishes,
 * small enough (a few MB of text) to keep memory flat. The archive seeds each chunk separately, so changing this
 * changes the archive's content.
 */
export const CHUNK_ROWS = 10_000

/** Passes chunks through as text, reporting cumulative rows once the consumer has taken each chunk. */
export async function* reportProgress(
  chunks: Iterable<CopyChunk> | AsyncIterable<CopyChunk>,
  onChunk: (rows: number) => void,
): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    yield chunk.text
    onChunk(chunk.rows)
  }
}
