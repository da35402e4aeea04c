import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The tickets service's `src/` folder. */
export const srcDir = fileURLToPath(new URL('../src', import.meta.url))

export interface SourceFile {
  /** Path relative to `src/`, with forward slashes. */
  path: string
  text: string
}

/** Every TypeScript file under `src/`. */
export function sourceFiles(dir = srcDir): SourceFile[] {
  const files: SourceFile[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...sourceFiles(full))
    else if (entry.name.endsWith('.ts')) {
      files.push({ path: relative(srcDir, full).split('\\').join('/'), text: readFileSync(full, 'utf8') })
    }
  }
  return files
}

/**
 * The module a file belongs to (`modules/<name>/…`, or `seed`, the data-set loader), or undefined for the service's
 * own wiring files.
 */
export function moduleOf(path: string): string | undefined {
  const match = /^(?:modules\/([^/]+)|(seed))\//.exec(path)
  return match?.[1] ?? match?.[2]
}

/** The files a source file imports (static and dynamic), as paths relative to `src/`; packages are left out. */
export function importsOf(file: SourceFile): string[] {
  const specifiers = [...file.text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1])
  return specifiers.map((specifier) =>
    relative(srcDir, resolve(srcDir, dirname(file.path), specifier))
      .split('\\')
      .join('/'),
  )
}
