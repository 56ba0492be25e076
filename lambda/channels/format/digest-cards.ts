/**
 * The weekly digest as cards: a Microsoft Teams Adaptive Card (untrusted values in TextRuns, which
 * Teams shows literally; trimmed to the 28 KB message limit) and a Google Chat card (values
 * HTML-escaped in its HTML subset; trimmed to 32,000 bytes), from the one {@link digestView}.
 */
import type { EstateDigest } from '../../reports/digest';
import { type DigestLine, digestView } from './digest';
import { boundedGoogleChatMessage, type GoogleChatMessage, type GoogleChatSection } from './google-chat';
import { boundedTeamsMessage, line, type RichTextBlock, run, type TeamsMessage } from './teams';
import { escapeHtml, plain, truncate } from './text';

/** Lines per card section: keeps a section readable; the full report has the rest. */
const LINES_PER_SECTION = 40;

const teamsLine = (l: DigestLine): RichTextBlock =>
  line(l.map((s) => run(plain(s.text), s.untrusted ? {} : { weight: 'Bolder' as const })));

export const formatDigestTeams = (digest: EstateDigest): TeamsMessage => {
  const v = digestView(digest);
  const body: RichTextBlock[] = [
    line([run(plain(truncate(v.title, 200)), { weight: 'Bolder', size: 'Medium' })]),
  ];
  if (v.link)
    body.push(
      line([
        run(plain(truncate(v.link.label, 100)), {
          color: 'Accent',
          selectAction: { type: 'Action.OpenUrl', url: v.link.url },
        }),
      ]),
    );
  for (const b of v.blocks) {
    body.push(line([run(plain(b.heading), { weight: 'Bolder' })], { spacing: 'Medium', separator: true }));
    for (const l of b.lines.slice(0, LINES_PER_SECTION)) body.push(teamsLine(l));
  }
  return boundedTeamsMessage(body);
};

const htmlLine = (l: DigestLine): string =>
  l.map((s) => (s.untrusted ? `<i>${escapeHtml(s.text)}</i>` : escapeHtml(s.text))).join('');

export const formatDigestGoogleChat = (digest: EstateDigest): GoogleChatMessage => {
  const v = digestView(digest);
  const sections: GoogleChatSection[] = [];
  if (v.link) {
    // The URL is ours (the console link), but it sits in an attribute: quoted and escaped.
    sections.push({
      widgets: [
        { textParagraph: { text: `<a href="${escapeHtml(v.link.url)}">${escapeHtml(v.link.label)}</a>` } },
      ],
    });
  }
  for (const b of v.blocks) {
    sections.push({
      header: escapeHtml(b.heading),
      widgets: [{ textParagraph: { text: b.lines.slice(0, LINES_PER_SECTION).map(htmlLine).join('<br>') } }],
    });
  }
  return boundedGoogleChatMessage(
    v.threadKey,
    { title: plain(truncate(v.title, 200)), subtitle: plain(truncate(v.summary, 200)) },
    sections,
    'certificate-digest',
  );
};
