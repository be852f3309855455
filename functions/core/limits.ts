/** DynamoDB's limit on the actions of one transaction: every atomic change fits in it. */
export const MAX_TRANSACTION_ACTIONS = 100;
