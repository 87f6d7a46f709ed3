// A version's files as a folder tree, with a preview of the selected file (?file= in the URL);
// tables open in the table explorer.
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorState, Loading } from "../components/PageState";
import { formatBytes, plural } from "../lib/format";
import type { ArtifactFile } from "./api";
import { useFiles, usePreview } from "./api";
import type { TreeFolder } from "./fileTree";
import { baseName, buildTree } from "./fileTree";
import { fileUrl } from "./urls";
import { FullPageButton, TablePane, withoutTableView } from "./VersionTable";

const ICONS: Record<string, string> = { image: "🖼", text: "📄", json: "{}", table: "▦", reference: "↗", binary: "▪" };

export function FileBrowser({ project, name, version }: { project: string; name: string; version: string }) {
  const files = useFiles(project, name, version);
  const [params, setParams] = useSearchParams();
  const selected = params.get("file");
  const tree = useMemo(() => (files.data ? buildTree(files.data) : null), [files.data]);
  if (files.isPending) return <Loading label="Loading files…" />;
  if (files.isError) return <ErrorState error={files.error} />;
  const file = files.data.find((item) => item.path === selected) ?? null;
  // Another file starts from a fresh explorer view: one table's filter rarely fits another's columns.
  const select = (path: string) =>
    path !== selected &&
    setParams(
      (p) => {
        const next = withoutTableView(p);
        next.set("file", path);
        return next;
      },
      { replace: true },
    );
  return (
    <div className="file-browser">
      <div className="file-tree" role="tree" aria-label="Files">
        {tree && <Folder folder={tree} depth={0} selected={selected} onSelect={select} open />}
      </div>
      <div className="file-preview">
        {file ? (
          <Preview project={project} name={name} version={version} file={file} />
        ) : (
          <div className="empty small">Select a file to preview it.</div>
        )}
      </div>
    </div>
  );
}

function Folder({
  folder,
  depth,
  selected,
  onSelect,
  open: initiallyOpen = false,
}: {
  folder: TreeFolder;
  depth: number;
  selected: string | null;
  onSelect: (path: string) => void;
  open?: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen || (selected?.startsWith(`${folder.path}/`) ?? false));
  const pad = { paddingLeft: 8 + depth * 14 };
  return (
    <div role="group">
      {folder.path !== "" && (
        <button
          type="button"
          className="tree-row folder"
          style={pad}
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          role="treeitem"
        >
          <span className="caret">{open ? "▾" : "▸"}</span> {folder.name}
          <span className="tree-meta">
            {folder.count} · {formatBytes(folder.size)}
          </span>
        </button>
      )}
      {(open || folder.path === "") && (
        <>
          {folder.folders.map((child) => (
            <Folder
              key={child.path}
              folder={child}
              depth={folder.path === "" ? depth : depth + 1}
              selected={selected}
              onSelect={onSelect}
            />
          ))}
          {folder.files.map((file) => (
            <button
              type="button"
              key={file.path}
              role="treeitem"
              aria-selected={file.path === selected}
              className={`tree-row file${file.path === selected ? " selected" : ""}`}
              style={{ paddingLeft: 8 + (folder.path === "" ? depth : depth + 1) * 14 + 14 }}
              onClick={() => onSelect(file.path)}
              data-path={file.path}
            >
              <span className="file-icon">{ICONS[file.preview]}</span> {baseName(file.path)}
              <span className="tree-meta">{formatBytes(file.size)}</span>
            </button>
          ))}
        </>
      )}
    </div>
  );
}

function Preview({
  project,
  name,
  version,
  file,
}: {
  project: string;
  name: string;
  version: string;
  file: ArtifactFile;
}) {
  const preview = usePreview(
    project,
    name,
    version,
    file.preview === "text" || file.preview === "json" ? file.path : null,
  );
  const text = useMemo(() => {
    if (!preview.data?.text) return "";
    if (file.preview !== "json" || preview.data.truncated) return preview.data.text;
    try {
      return JSON.stringify(JSON.parse(preview.data.text), null, 2);
    } catch {
      return preview.data.text;
    }
  }, [preview.data, file.preview]);
  return (
    <div className="preview-card">
      <div className="preview-head">
        <div>
          <div className="strong">{file.path}</div>
          <div className="muted">
            {formatBytes(file.size)} · {file.kind}
            {file.n_rows != null ? ` · ${plural(file.n_rows, "row")}` : ""}
            {file.sha256 ? ` · sha256 ${file.sha256.slice(0, 12)}` : ""}
          </div>
        </div>
        <div className="header-actions">
          {file.preview === "table" && <FullPageButton />}
          {file.kind !== "reference" && (
            <a className="button" href={fileUrl(project, name, version, file.path, true)} download>
              Download
            </a>
          )}
        </div>
      </div>
      <div className={`preview-body${file.preview === "table" ? " table" : ""}`}>
        {file.preview === "image" && (
          <img className="preview-image" src={fileUrl(project, name, version, file.path)} alt={file.path} />
        )}
        {(file.preview === "text" || file.preview === "json") &&
          (preview.isPending ? (
            <Loading />
          ) : (
            <pre className="preview-text">
              {text}
              {preview.data?.truncated ? "\n… (first 64 KiB shown)" : ""}
            </pre>
          ))}
        {file.preview === "table" && <TablePane project={project} name={name} version={version} file={file} />}
        {file.preview === "reference" && (
          <p>
            A reference to <code>{file.ref_uri}</code>; heron keeps its checksum, not a copy.
          </p>
        )}
        {file.preview === "binary" && <p className="muted">No preview for this kind of file.</p>}
      </div>
    </div>
  );
}
