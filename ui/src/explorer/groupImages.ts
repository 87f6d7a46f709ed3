// Fetching more of a group's images than its summary carries, for a strip paged past them.
import { api, unwrap } from "../api/client";
import type { ImageCell, SourceRef } from "./api";
import type { GroupImagesRequest } from "./groupCells";
import { groupImagesDocument } from "./groupCells";

/** Reads a group's images page by page over the view's sources and query document. */
export type GroupImagesLoader = (request: GroupImagesRequest) => Promise<ImageCell[]>;

function isImage(value: unknown): value is ImageCell {
  return typeof value === "object" && value !== null && "sha256" in value;
}

/** A loader for the groups of the view `document` over `sources` in `project`. */
export function groupImagesLoader(
  project: string,
  sources: SourceRef[],
  document: Record<string, unknown>,
): GroupImagesLoader {
  return async (request) => {
    const result = unwrap(
      await api.POST("/api/projects/{project}/query", {
        params: { path: { project } },
        body: { tables: sources, query: groupImagesDocument(document, request) },
      }),
    );
    return result.rows.flatMap((row) => {
      const cell = row[request.column];
      const value = request.run !== null && Array.isArray(cell) ? cell[request.run] : cell;
      return isImage(value) ? [value] : [];
    });
  };
}
