import { createBrowserRouter, redirect } from "react-router-dom";
import { compareUrl } from "./artifacts/urls";
import { SignInPage } from "./auth/SignInPage";
import { Layout } from "./components/Layout";
import { NotFoundPage } from "./components/NotFoundPage";
import { Loading } from "./components/PageState";
import { ProjectsPage } from "./runs/ProjectsPage";
import { RunPage } from "./runs/RunPage";
import { Workspace } from "./runs/Workspace";

// The projects list, the workspace and run pages ship in the main bundle so they open at once;
// the heavier views (table explorer, artifacts, evaluation, reports) load when first visited.
export const router = createBrowserRouter([
  {
    element: <Layout />,
    hydrateFallbackElement: <Loading />,
    children: [
      { path: "/", element: <ProjectsPage /> },
      { path: "/projects", element: <ProjectsPage /> },
      { path: "/signin", element: <SignInPage /> },
      { path: "/projects/:project", element: <Workspace /> },
      { path: "/projects/:project/runs/:runId", element: <RunPage /> },
      {
        path: "/projects/:project/runs/:runId/tables/*",
        lazy: async () => ({ Component: (await import("./runs/TablePage")).TablePage }),
      },
      {
        path: "/projects/:project/tables/*",
        lazy: async () => ({ Component: (await import("./runs/TablePage")).KeyTablePage }),
      },
      {
        path: "/projects/:project/artifacts",
        lazy: async () => ({ Component: (await import("./artifacts/ArtifactsPage")).ArtifactsPage }),
      },
      {
        path: "/projects/:project/artifacts/:name",
        lazy: async () => ({ Component: (await import("./artifacts/ArtifactsPage")).ArtifactsPage }),
      },
      {
        path: "/projects/:project/artifacts/:name/compare",
        lazy: async () => ({ Component: (await import("./artifacts/ComparePage")).ComparePage }),
      },
      {
        // The old two-version address, kept working: /compare/v0/v1 -> /compare?versions=v0,v1.
        path: "/projects/:project/artifacts/:name/compare/:a/:b",
        loader: ({ params }) =>
          redirect(compareUrl(params.project ?? "", params.name ?? "", [params.a ?? "", params.b ?? ""])),
      },
      {
        path: "/projects/:project/artifacts/:name/:version",
        lazy: async () => ({ Component: (await import("./artifacts/VersionPage")).VersionPage }),
      },
      {
        path: "/projects/:project/evaluation",
        lazy: async () => ({ Component: (await import("./evaluation/EvaluationPage")).EvaluationPage }),
      },
      {
        path: "/projects/:project/reports",
        lazy: async () => ({ Component: (await import("./reports/ReportsList")).ReportsList }),
      },
      {
        path: "/projects/:project/reports/:reportId",
        lazy: async () => ({ Component: (await import("./reports/ReportPage")).ReportPage }),
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
