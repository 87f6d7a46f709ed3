import { createBrowserRouter } from "react-router-dom";
import { Layout } from "./components/Layout";
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
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
