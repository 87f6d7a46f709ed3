// Artifact browser calls: collections, versions, files, previews, aliases, comparisons.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../api/client";
import { api, unwrap } from "../api/client";

export type RunRef = Schemas["RunRef"];
export type ArtifactType = Schemas["ArtifactType"];
export type ArtifactVersion = Schemas["ArtifactVersion"];
export type ArtifactFile = Schemas["ArtifactFile"];
export type ComparedTable = Schemas["ComparedTable"];
export type VersionDiff = Schemas["VersionDiff"];
export type MetadataRow = Schemas["MetadataRow"];
/** How one version's value of a metadata key differs from the first version's. */
export type CellChange = MetadataRow["changes"][number];

export function useArtifactTypes(project: string) {
  return useQuery({
    queryKey: ["artifact-types", project],
    queryFn: async (): Promise<ArtifactType[]> =>
      unwrap(await api.GET("/api/projects/{project}/artifacts", { params: { path: { project } } })),
  });
}

export function useCollection(project: string, name: string | undefined) {
  return useQuery({
    queryKey: ["artifact-collection", project, name],
    queryFn: async (): Promise<Schemas["CollectionDetail"]> =>
      unwrap(
        await api.GET("/api/projects/{project}/artifacts/{name}", { params: { path: { project, name: name ?? "" } } }),
      ),
    enabled: Boolean(name),
  });
}

export function useVersion(project: string, name: string, version: string) {
  return useQuery({
    queryKey: ["artifact-version", project, name, version],
    queryFn: async (): Promise<ArtifactVersion> =>
      unwrap(
        await api.GET("/api/projects/{project}/artifacts/{name}/{version}", {
          params: { path: { project, name, version } },
        }),
      ),
  });
}

export function useFiles(project: string, name: string, version: string) {
  return useQuery({
    queryKey: ["artifact-files", project, name, version],
    queryFn: async (): Promise<ArtifactFile[]> =>
      unwrap(
        await api.GET("/api/projects/{project}/artifacts/{name}/{version}/files", {
          params: { path: { project, name, version } },
        }),
      ),
  });
}

export function usePreview(project: string, name: string, version: string, path: string | null) {
  return useQuery({
    queryKey: ["artifact-preview", project, name, version, path],
    queryFn: async (): Promise<Schemas["FilePreview"]> =>
      unwrap(
        await api.GET("/api/projects/{project}/artifacts/{name}/{version}/preview/{path}", {
          params: { path: { project, name, version, path: path ?? "" } },
        }),
      ),
    enabled: path !== null,
  });
}

/** Two or more versions compared, each against the first. */
export function useVersionsComparison(project: string, name: string, versions: string[]) {
  const list = versions.join(",");
  return useQuery({
    queryKey: ["artifact-compare-many", project, name, list],
    queryFn: async (): Promise<Schemas["VersionsComparison"]> =>
      unwrap(
        await api.GET("/api/projects/{project}/artifacts/{name}/compare", {
          params: { path: { project, name }, query: { versions: list } },
        }),
      ),
    enabled: versions.length >= 2,
    placeholderData: keepPreviousData,
  });
}

/** Add or remove an alias; refreshes every view of the collection. */
export function useAliasEdit(project: string, name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({
      version,
      alias,
      remove,
    }: {
      version: string;
      alias: string;
      remove: boolean;
    }): Promise<Schemas["AliasChange"]> =>
      unwrap(
        remove
          ? await api.DELETE("/api/projects/{project}/artifacts/{name}/{version}/aliases/{alias}", {
              params: { path: { project, name, version, alias } },
            })
          : await api.POST("/api/projects/{project}/artifacts/{name}/{version}/aliases", {
              params: { path: { project, name, version } },
              body: { alias },
            }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["artifact-collection", project, name] });
      void client.invalidateQueries({ queryKey: ["artifact-version", project, name] });
      void client.invalidateQueries({ queryKey: ["lineage", project] });
    },
  });
}
