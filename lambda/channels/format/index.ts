/** Pure message formatting for every channel: one watcher event in, one channel payload out. */
export { type ChatbotNotification, formatChatbot } from './chatbot';
export { formatGoogleChat, type GoogleChatMessage } from './google-chat';
export { formatSlack, type SlackMessage } from './slack';
export { formatSms, gsmSeptets, toGsmAscii } from './sms';
export { formatTeams, type TeamsMessage } from './teams';
export { type AlertView, threadKeyOf, toView, type WatcherEvent } from './view';
