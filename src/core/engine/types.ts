// The Explanation: a trace of steps, each naming the config object that decided it (cli-contract.md,
// "meshctl explain -o json", schema meshctl/v1).
export type Stage =
  | 'capture'
  | 'listener'
  | 'filterChain'
  | 'networkFilter'
  | 'routeConfig'
  | 'virtualHost'
  | 'route'
  | 'cluster'
  | 'endpoints'
  | 'inbound'
  | 'application';

export type StepResult = 'matched' | 'no-match' | 'failed' | 'skipped' | 'unknown';

export interface Alternative {
  readonly name: string;
  readonly reason: string;
}

export interface Step {
  readonly stage: Stage;
  readonly proxy: string;
  readonly result: StepResult;
  readonly name: string;
  readonly detail: string;
  readonly origin?: string;
  readonly alternatives?: Alternative[];
}

export type Protocol = 'tcp' | 'http' | 'http2' | 'grpc' | 'tls';

export interface Hint {
  readonly id: string;
  readonly message: string;
  readonly fix: string;
}

export type Via =
  'cluster' | 'passthrough' | 'blackhole' | 'bypass' | 'redirect' | 'direct-response' | 'none';

export interface Outcome {
  readonly result: 'delivered' | 'failed' | 'unknown';
  readonly via: Via;
  readonly responseFlag: string | null;
  readonly httpStatus: number | null;
  readonly cluster: string | null;
  readonly endpoint: string | null;
  readonly failedStage: Stage | null;
  readonly summary: string;
}

export interface Call {
  readonly mode: 'outbound' | 'inbound' | 'gateway';
  readonly address: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly host: string | null;
  readonly path: string | null;
  readonly method: string | null;
  readonly headers: Record<string, string>;
  readonly sni: string | null;
}

export interface Explanation {
  readonly apiVersion: 'meshctl/v1';
  readonly kind: 'Explanation';
  readonly source: { proxy: string; type: string; ip: string | null; istioVersion: string | null };
  readonly call: Call;
  readonly outcome: Outcome;
  readonly steps: Step[];
  readonly hints: Hint[];
  readonly missing: string[];
}
