// The Explanation: a trace of steps, each naming the config object that decided it (cli-contract.md,
// "meshctl explain -o json", schema meshctl/v1). The types are inferred from the zod schemas in
// core/schema/explanation.ts, the single source of the contract: there is no second copy to drift.
import type { z } from 'zod';
import type {
  AlternativeSchema,
  CallSchema,
  ExplanationSchema,
  HintSchema,
  OutcomeSchema,
  ProtocolSchema,
  StageSchema,
  StepResultSchema,
  StepSchema,
  ViaSchema,
} from '../schema/explanation.js';

export type Stage = z.infer<typeof StageSchema>;
export type StepResult = z.infer<typeof StepResultSchema>;
export type Alternative = z.infer<typeof AlternativeSchema>;
export type Step = z.infer<typeof StepSchema>;
export type Protocol = z.infer<typeof ProtocolSchema>;
export type Hint = z.infer<typeof HintSchema>;
export type Via = z.infer<typeof ViaSchema>;
export type Outcome = z.infer<typeof OutcomeSchema>;
export type Call = z.infer<typeof CallSchema>;
export type Explanation = z.infer<typeof ExplanationSchema>;
