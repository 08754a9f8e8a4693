"""bouncy: the SNS webhook that receives what SES says about sent mail."""
