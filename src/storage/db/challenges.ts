export interface ChallengeRow {
  id: string;
  account_id: number;
  nonce: string;
  created_at: number;
  expires_at: number;
}
