// Files of a drop, folders included: a dropped folder is read through the entries API
// (DataTransferItem.webkitGetAsEntry), recursively, each file named by its path in the drop
// ("digits/3.png"), so that a folder of images becomes one set named by the folder.

/** A file with its path in the drop. */
export interface DroppedFile {
  name: string;
  file: File;
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries gives at most 100 entries per call: read until it gives none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ name: entry.fullPath.replace(/^\//, '') || file.name, file });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, out);
  }
}

/**
 * Every file of a drop: with a folder among the items, the folders' files (named by path, hidden
 * files left out) and the loose files; without one, the files as dropped.
 */
export async function droppedFiles(data: DataTransfer): Promise<DroppedFile[]> {
  const entries = Array.from(data.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null));
  if (!entries.some((e) => e?.isDirectory)) return Array.from(data.files, (file) => ({ name: file.name, file }));
  const out: DroppedFile[] = [];
  for (const entry of entries) if (entry) await walk(entry, out);
  return out.filter((f) => !f.name.split('/').some((part) => part.startsWith('.')));
}
