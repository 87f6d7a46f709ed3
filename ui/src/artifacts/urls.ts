// Addresses of artifact pages and files: links the browser follows itself (pages, downloads,
// <img src>), so they are URLs rather than API calls. Small and free of hooks, so the router can
// use them without loading the artifact pages.
const enc = encodeURIComponent;
const versionUrl = (project: string, name: string, version: string) =>
  `/api/projects/${enc(project)}/artifacts/${enc(name)}/${enc(version)}`;

export const fileUrl = (project: string, name: string, version: string, path: string, download = false) =>
  `${versionUrl(project, name, version)}/files/${path.split("/").map(enc).join("/")}${download ? "?download=true" : ""}`;

export const archiveUrl = (project: string, name: string, version: string, format: "zip" | "tar") =>
  `${versionUrl(project, name, version)}/archive?format=${format}`;

/** The page comparing `versions` of a collection. */
export const compareUrl = (project: string, name: string, versions: string[]) =>
  `/projects/${enc(project)}/artifacts/${enc(name)}/compare?versions=${versions.map(enc).join(",")}`;
