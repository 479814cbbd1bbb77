// Whether a text parses as an ARN at all, as IAM and STS decide it before anything else:
// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with the partition, the service and the resource
// not empty (region and account may be, as IAM's own ARNs show). A text that fails is answered
// with a ValidationError ("… is invalid" by STS, "Invalid ARN:  Could not be parsed!" by IAM); an
// ARN that parses but names the wrong kind of thing gets the operation's own error.

export function arnParses(text: string): boolean {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  const [, partition, service] = parts;
  return partition !== '' && service !== '' && parts.slice(5).join(':') !== '';
}
