"""Great Expectations suites for the accounting identities, and the code that runs them."""
