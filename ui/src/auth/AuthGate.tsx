// Shows the sign-in page instead of the app when a team server has nothing to show anonymously,
// or when the session has ended; otherwise the app as it is.
import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { ErrorState, Loading } from "../components/PageState";
import { useAuth } from "./api";
import { SignInPage } from "./SignInPage";

export function AuthGate({ children }: { children: ReactNode }) {
  const auth = useAuth();
  if (auth.isPending) return <Loading />;
  if (auth.isError) {
    if (auth.error instanceof ApiError && auth.error.status === 401) return <SignInPage expired />;
    return <ErrorState error={auth.error} />;
  }
  const { data } = auth;
  // Anonymous on a team server: public projects stay browsable (share links work); with none,
  // there is nothing but the sign-in page.
  if (data.auth && !data.user && data.projects.length === 0) return <SignInPage />;
  return <>{children}</>;
}
