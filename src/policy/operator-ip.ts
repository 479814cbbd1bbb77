// IpAddress / NotIpAddress condition operators (IPv4 and IPv6, CIDR or single address).
import { inRange, parseRange, requestIp } from './ip-address.ts';
import { negate, type CompiledValue, type ConditionOperator } from './operator-types.ts';

export const IpAddress: ConditionOperator = {
  name: 'IpAddress',
  negated: false,
  compile(value): CompiledValue {
    const range = parseRange(value);
    if (range === undefined) return { invalid: `\`${value}\` is not an IP address or CIDR range` };
    return (c) => {
      const ip = requestIp(c);
      return ip !== undefined && inRange(ip, range);
    };
  },
};

export const NotIpAddress = negate(IpAddress, 'NotIpAddress');
