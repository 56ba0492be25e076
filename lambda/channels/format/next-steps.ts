/** What to do next after each kind of alert, in plain words (our own text: channels escape nothing here). */
import type { AlertView } from './view';

/** What to do next, in plain words (channels escape nothing here: it is our own text). */
export const nextSteps = (v: AlertView): string[] => {
  const steps: string[] = [];
  switch (v.kind) {
    case 'expiring':
    case 'expired':
      if (v.certificateType === 'AMAZON_ISSUED' || v.certificateType === 'PRIVATE') {
        steps.push('Check the ACM renewal status and complete any pending domain validation.');
      } else if (v.certificateType === 'IMPORTED') {
        steps.push('Issue a new certificate and re-import it into ACM under the same ARN.');
      } else {
        steps.push('Renew the certificate and deploy it on every server behind this name.');
      }
      if (v.kind === 'expired') steps.push('Clients already reject this certificate: treat it as an outage.');
      break;
    case 'misconfigured':
      steps.push('Fix the problems listed: serve the full chain, with a name and issuer clients trust.');
      break;
    case 'check-failed':
      steps.push('Check that the endpoint is reachable from the watcher and still serves TLS.');
      break;
    case 'renewed':
      steps.push('Nothing to do: the alerts for this certificate are resolved.');
      break;
    case 'removed':
      steps.push('Nothing to do if the removal was intended; otherwise check where it went.');
      break;
    case 'not-yet-valid':
      steps.push(
        'Clients reject this certificate until its notBefore: serve the previous certificate until then, or check the clock of the issuing system.',
      );
      break;
    case 'not-deployed':
      steps.push(
        'Deploy the certificate the store holds where this endpoint serves it (re-import or upload it, update the listener, distribution or server), or update the resource if the endpoint is right.',
      );
      break;
    case 'now-valid':
    case 'recovered':
    case 'deployed':
      steps.push('Nothing to do: the alert for this certificate is resolved.');
      break;
    case 'group':
      if (v.group?.memberKind === 'renewed')
        steps.push('Nothing to do: the alerts for these certificates are resolved.');
      else steps.push('Renew the fleet: every member has its own event on the bus for automation.');
      if (v.group?.listCommand) steps.push(`List them all: ${v.group.listCommand}`);
      break;
    default:
      break;
  }
  if (v.kind === 'expiring' || v.kind === 'expired') {
    steps.push('Run cert-watch ack with the location to pause reminders until renewal.');
  }
  return steps;
};
