// The groups' shapes, mirroring the API contract until the generated schema knows them.

export interface GroupRead {
  id: string;
  name: string;
  description: string;
  commission_bps: number | null;
  commission_fixed_minor: number | null;
  products: { id: string; name: string }[];
  payout_threshold_minor: number | null;
  members: number;
  created_at: string;
  updated_at: string;
}

export interface GroupWrite {
  name: string;
  description?: string;
  commission_bps?: number | null;
  commission_fixed_minor?: number | null;
  product_ids?: string[];
  payout_threshold_minor?: number | null;
}

export interface MoveCreate {
  affiliate_id: string;
  group_id: string | null;
  note?: string;
}

export interface MoveRead {
  id: string;
  affiliate_id: string;
  affiliate_name: string;
  group_id: string | null;
  group_name: string | null;
  from_group_id: string | null;
  from_group_name: string | null;
  note: string;
  moved_at: string;
  moved_by_name: string | null;
}

export type Group = GroupRead;
export type GroupFields = GroupWrite;
export type Move = MoveRead;
export type MoveFields = MoveCreate;
