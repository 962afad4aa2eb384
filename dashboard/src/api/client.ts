// The one way the dashboard talks to Observatory: GraphQL queries and mutations over HTTP
// (fetch), subscriptions over graphql-transport-ws (graphql-ws). Both carry the caller's
// bearer token; a refused credential becomes an AuthError with the server's own reason.
import { createClient, type Client } from "graphql-ws";

export class AuthError extends Error {}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

interface Problem {
  detail?: string;
  reason?: string;
  title?: string;
}

export type Variables = Record<string, unknown>;

/** Where the API lives: the page's own origin (the read API serves the dashboard). */
export function httpUrl(): string {
  return `${location.origin}/graphql`;
}

export function wsUrl(): string {
  return httpUrl().replace(/^http/, "ws");
}

async function reasonOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as Problem;
    return problem.detail ?? problem.reason ?? problem.title ?? text;
  } catch {
    return text || response.statusText;
  }
}

export class Api {
  private socket: Client | null = null;

  constructor(
    private readonly token: string,
    private readonly onAuthLost: (reason: string) => void = () => {},
  ) {}

  async request<T>(query: string, variables: Variables = {}): Promise<T> {
    const response = await fetch(httpUrl(), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        Authorization: `Bearer ${this.token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status === 401 || response.status === 403) {
      const reason = await reasonOf(response);
      this.onAuthLost(reason);
      throw new AuthError(reason);
    }
    const body = (await response.json()) as GraphQLResponse<T>;
    const first = body.errors?.[0];
    if (first !== undefined || body.data == null) {
      throw new GraphQLRequestError(
        first?.message ?? `no data (HTTP ${response.status})`,
        first?.extensions?.code,
      );
    }
    return body.data;
  }

  /** Calls ``next`` with each result until the returned function is called. */
  subscribe<T>(
    query: string,
    variables: Variables,
    next: (data: T) => void,
    error: (message: string) => void = () => {},
  ): () => void {
    return this.sockets().subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.data != null) next(result.data as T);
          else if (result.errors?.[0]) error(result.errors[0].message);
        },
        error: (e: unknown) => error(describe(e)),
        complete: () => {},
      },
    );
  }

  close(): void {
    void this.socket?.dispose();
    this.socket = null;
  }

  private sockets(): Client {
    this.socket ??= createClient({
      url: wsUrl(),
      lazy: true,
      retryAttempts: Infinity,
      connectionParams: { Authorization: `Bearer ${this.token}` },
      // A refused connection_init closes with 4403 and the server's reason: that is not a
      // network blip to retry but a credential to replace.
      shouldRetry: (event) => !isRefusal(event),
      on: {
        closed: (event) => {
          if (isRefusal(event)) this.onAuthLost((event as CloseEvent).reason || "refused");
        },
      },
    });
    return this.socket;
  }
}

function isRefusal(event: unknown): boolean {
  const code = (event as { code?: number } | null)?.code;
  return code === 4401 || code === 4403;
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  const reason = (e as { reason?: string } | null)?.reason;
  return reason || "the live connection failed";
}
