"""The four-eyes principle (vier-ogenprincipe): a customer's policy that a second Beheerder approves a
change of a license count, and the pending changes waiting for that approval."""
