/**
 * Microsoft Teams "Workflows" webhook payload: a message with one Adaptive Card (1.4) attachment.
 * Untrusted values go in RichTextBlock TextRuns, which Teams shows as literal text (TextBlock and
 * FactSet values would be read as markdown); our own words use the same runs for a uniform look.
 * Teams rejects messages over about 28 KB, so the card is measured and trimmed to fit.
 */
import { emojiFor, facts, isResolution, SANS_SHOWN } from './common';
import { nextSteps } from './next-steps';
import { byteLength, plain, sanSummary, truncate } from './text';
import { headline, toView, type WatcherEvent } from './view';

export const TEAMS_LIMITS = {
  /** Teams' message size limit is ~28 KB; leave room for the HTTP envelope. */
  messageBytes: 27 * 1024,
} as const;

export interface TextRun {
  readonly type: 'TextRun';
  readonly text: string;
  readonly weight?: 'Bolder';
  readonly size?: 'Small' | 'Medium' | 'Large';
  readonly color?: 'Attention' | 'Warning' | 'Good' | 'Accent';
  readonly isSubtle?: boolean;
  /** Makes the run a link (Adaptive Cards 1.2+). */
  readonly selectAction?: { readonly type: 'Action.OpenUrl'; readonly url: string };
}
export interface RichTextBlock {
  readonly type: 'RichTextBlock';
  readonly inlines: TextRun[];
  readonly spacing?: 'Small' | 'Medium';
  readonly separator?: boolean;
}

export interface TeamsMessage {
  readonly type: 'message';
  readonly attachments: [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: {
        readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
        readonly type: 'AdaptiveCard';
        readonly version: '1.4';
        readonly body: RichTextBlock[];
        readonly msteams: { readonly width: 'Full' };
      };
    },
  ];
}

export const run = (text: string, extra: Omit<TextRun, 'type' | 'text'> = {}): TextRun => ({
  type: 'TextRun',
  text,
  ...extra,
});
export const line = (
  inlines: TextRun[],
  extra: Omit<RichTextBlock, 'type' | 'inlines'> = {},
): RichTextBlock => ({
  type: 'RichTextBlock',
  inlines,
  ...extra,
});

const COLOR: Record<string, TextRun['color']> = {
  expired: 'Attention',
  critical: 'Attention',
  warning: 'Warning',
  ok: 'Good',
  info: 'Accent',
};

export const teamsMessage = (body: RichTextBlock[]): TeamsMessage => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body,
        msteams: { width: 'Full' },
      },
    },
  ],
});

export const formatTeams = (event: WatcherEvent): TeamsMessage => {
  const v = toView(event);
  const withName = v.named;
  const body: RichTextBlock[] = [
    line([
      run(plain(truncate(`${emojiFor(v)} ${headline(v)}${withName ? `: ${v.name}` : ''}`, 200)), {
        weight: 'Bolder',
        size: 'Medium',
        color: isResolution(v) ? 'Good' : COLOR[v.severity],
      }),
    ]),
  ];
  if (withName) body.push(line([run('Name: ', { weight: 'Bolder' }), run(plain(truncate(v.name, 300)))]));
  for (const f of facts(v)) body.push(line([run(`${f.label}: `, { weight: 'Bolder' }), run(plain(f.value))]));
  if (v.sanCount > 0) {
    const { names, more } = sanSummary(v.sans, v.sanCount, SANS_SHOWN);
    const shown = names.map((s) => plain(truncate(s, 100)));
    body.push(
      line([
        run(`Names (${v.sanCount}): `, { weight: 'Bolder' }),
        run(`${shown.join(', ')}${more > 0 ? ` +${more} more` : ''}`),
      ]),
    );
  }
  if (v.problems.length) {
    body.push(line([run('Problems', { weight: 'Bolder' })], { spacing: 'Medium' }));
    for (const p of v.problems.slice(0, 5)) {
      body.push(line([run(`• ${p.code}: `, { weight: 'Bolder' }), run(plain(truncate(p.message, 200)))]));
    }
    if (v.problems.length > 5) body.push(line([run(`• +${v.problems.length - 5} more`)]));
  }
  const steps = nextSteps(v);
  if (steps.length) {
    body.push(line([run('Next steps', { weight: 'Bolder' })], { spacing: 'Medium' }));
    for (const s of steps) body.push(line([run(`• ${s}`)]));
  }
  if (v.location) {
    body.push(
      line([run(`Location: ${plain(truncate(v.location, 300))}`, { size: 'Small', isSubtle: true })], {
        separator: true,
      }),
    );
  }
  return boundedTeamsMessage(body);
};

/** The message, its last lines dropped (never the title) until it fits Teams' 28 KB limit. */
export const boundedTeamsMessage = (body: RichTextBlock[]): TeamsMessage => {
  // Values are already bounded; this is the last guard for the size limit.
  let out = teamsMessage(body);
  while (byteLength(JSON.stringify(out)) > TEAMS_LIMITS.messageBytes && body.length > 1) {
    body.splice(body.length - 1, 1);
    out = teamsMessage(body);
  }
  return out;
};
