// The Adaptive Card message Microsoft Teams webhooks and Workflows take, for teams.notify and approval.request.
/** The message a Teams webhook takes: one Adaptive Card (schema 1.4) with its body and, when given, its actions. */
export function adaptiveCardMessage(body: object[], actions?: object[]): object {
  return {
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
          ...(actions ? { actions } : {}),
        },
      },
    ],
  };
}
