// The journal events the fleet diagnosis reads by time (issue 14), as the SQL condition that both
// migration 10's partial index and the diagnosis query use. The text must stay as it is: SQLite
// uses a partial index only for a query whose WHERE holds the index's condition term for term, and
// the index was built on this text. Reading another event needs a new migration with a new index;
// store/diagnosis-store.contract.ts checks that it names the port's `diagnosisEvents`.
export const diagnosisEventsSql =
  "event IN ('request.repeated', 'upstream.late_answer', 'wallet.late_answer')";
