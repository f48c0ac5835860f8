"""Views of the licensing pages; every page acts for the customer chosen in the session
(`portal.pages.for_current_customer`)."""
