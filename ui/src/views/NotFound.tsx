import { useLocation } from "react-router-dom";
import { NotFound } from "../components/PageState";

export function NotFoundPage() {
  const location = useLocation();
  return <NotFound message={`There is no page at ${location.pathname}.`} />;
}
