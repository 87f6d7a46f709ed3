import { useLocation } from "react-router-dom";
import { NotFound } from "./PageState";

export function NotFoundPage() {
  const location = useLocation();
  return <NotFound message={`There is no page at ${location.pathname}.`} />;
}
