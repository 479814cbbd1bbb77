// ARN condition operators. ArnEquals and ArnLike behave the same (AWS documents them identically): each of
// the six ARN parts is matched separately, with `*`/`?` wildcards, case-sensitively.
import { compileArnPattern, cutArn, newCuts } from './arn.ts';
import { negate, type CompiledValue, type ConditionOperator } from './operator-types.ts';

const cuts = newCuts();

function arn(name: string): ConditionOperator {
  return {
    name,
    negated: false,
    compile(value, variables): CompiledValue {
      const m = compileArnPattern(value, variables);
      return (c, view) => m(c, cutArn(c, cuts) ? cuts : null, view);
    },
  };
}

export const ArnEquals = arn('ArnEquals');
export const ArnLike = arn('ArnLike');
export const ArnNotEquals = negate(ArnEquals, 'ArnNotEquals');
export const ArnNotLike = negate(ArnLike, 'ArnNotLike');
