// A flat manifest (paths) as a folder tree, for the version's file browser.
import type { ArtifactFile } from "./api";

export interface TreeFolder {
  name: string;
  path: string;
  folders: TreeFolder[];
  files: ArtifactFile[];
  size: number;
  count: number;
}

/** The folder tree of `files`: folders first then files, each sorted by name; sizes summed. */
export function buildTree(files: readonly ArtifactFile[]): TreeFolder {
  const root: TreeFolder = { name: "", path: "", folders: [], files: [], size: 0, count: 0 };
  const index = new Map<string, TreeFolder>([["", root]]);
  for (const file of files) {
    const parts = file.path.split("/");
    let folder = root;
    folder.size += file.size;
    folder.count += 1;
    for (let i = 0; i < parts.length - 1; i += 1) {
      const path = parts.slice(0, i + 1).join("/");
      let next = index.get(path);
      if (next === undefined) {
        const created: TreeFolder = { name: parts[i] ?? "", path, folders: [], files: [], size: 0, count: 0 };
        index.set(path, created);
        folder.folders.push(created);
        next = created;
      }
      next.size += file.size;
      next.count += 1;
      folder = next;
    }
    folder.files.push(file);
  }
  const sort = (folder: TreeFolder) => {
    folder.folders.sort((a, b) => a.name.localeCompare(b.name));
    folder.files.sort((a, b) => a.path.localeCompare(b.path));
    folder.folders.forEach(sort);
  };
  sort(root);
  return root;
}

/** The folder at `path` ("" is the root), or null. */
export function findFolder(root: TreeFolder, path: string): TreeFolder | null {
  if (path === "") return root;
  for (const folder of root.folders) {
    if (folder.path === path) return folder;
    if (path.startsWith(`${folder.path}/`)) return findFolder(folder, path);
  }
  return null;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
