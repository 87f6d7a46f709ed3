// Who is signed in, and what they may do: GET /api/auth/me, sign in with an API key, sign out.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, type Schemas, unwrap } from "../api/client";

export type AuthStatus = Schemas["AuthStatus"];
export type Role = Schemas["ProjectRole"]["role"];

const AUTH_KEY = ["auth", "me"];

/** The server's answer to "who am I": on a local server (`heron ui`) the owner of everything. */
export function useAuth() {
  return useQuery({
    queryKey: AUTH_KEY,
    queryFn: async () => unwrap(await api.GET("/api/auth/me")),
    staleTime: 60_000,
    // A 401 means the session ended: asking again will not revive it. Nor will asking again
    // each time a view that reads it mounts (the sign-in page itself does).
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    retryOnMount: false,
  });
}

/** The role the user holds in `project`, or null when they may not read it. */
export function roleIn(status: AuthStatus, project: string): Role | null {
  return status.projects.find((entry) => entry.project === project)?.role ?? null;
}

/** Whether `status` lets its user change `project` (logs, reports, aliases): writers and owners. */
export function mayWrite(status: AuthStatus, project: string): boolean {
  if (!status.auth) return true;
  const role = roleIn(status, project);
  return role === "writer" || role === "owner";
}

/**
 * Whether the signed-in user may change `project`. False until the server has answered, so a
 * viewer never sees a control flash by; a local server always says yes.
 */
export function useCanWrite(project: string): boolean {
  const auth = useAuth();
  return auth.data ? mayWrite(auth.data, project) : false;
}

/** Sign in and out. Either changes what every view may show, so every cached answer is dropped. */
export function useSession() {
  const client = useQueryClient();
  const refresh = async () => {
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== "auth" });
    await client.invalidateQueries({ queryKey: AUTH_KEY });
  };
  const signIn = useMutation<AuthStatus, ApiError, string>({
    mutationFn: async (key) => unwrap(await api.POST("/api/auth/login", { body: { key: key.trim() } })),
    onSuccess: async (status) => {
      client.setQueryData(AUTH_KEY, status);
      await refresh();
    },
  });
  const signOut = useMutation<void, ApiError, void>({
    mutationFn: async () => {
      unwrap(await api.POST("/api/auth/logout"));
    },
    onSuccess: refresh,
  });
  return { signIn, signOut };
}
