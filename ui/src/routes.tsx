import { createBrowserRouter } from "react-router-dom";
import { ArtifactsPage } from "./artifacts/ArtifactsPage";
import { ComparePage } from "./artifacts/ComparePage";
import { VersionPage } from "./artifacts/VersionPage";
import { Layout } from "./components/Layout";
import { EvaluationPage } from "./evaluation/EvaluationPage";
import { ReportPage } from "./reports/ReportPage";
import { ReportsList } from "./reports/ReportsList";
import { NotFoundPage } from "./views/NotFound";
import { ProjectsPage } from "./views/ProjectsPage";
import { RunPage } from "./views/RunPage";
import { KeyTablePage, TablePage } from "./views/TablePage";
import { Workspace } from "./views/Workspace";

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <ProjectsPage /> },
      { path: "/projects", element: <ProjectsPage /> },
      { path: "/projects/:project", element: <Workspace /> },
      { path: "/projects/:project/runs/:runId", element: <RunPage /> },
      { path: "/projects/:project/runs/:runId/tables/*", element: <TablePage /> },
      { path: "/projects/:project/tables/*", element: <KeyTablePage /> },
      { path: "/projects/:project/artifacts", element: <ArtifactsPage /> },
      { path: "/projects/:project/artifacts/:name", element: <ArtifactsPage /> },
      { path: "/projects/:project/artifacts/:name/compare/:a/:b", element: <ComparePage /> },
      { path: "/projects/:project/artifacts/:name/:version", element: <VersionPage /> },
      { path: "/projects/:project/evaluation", element: <EvaluationPage /> },
      { path: "/projects/:project/reports", element: <ReportsList /> },
      { path: "/projects/:project/reports/:reportId", element: <ReportPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
